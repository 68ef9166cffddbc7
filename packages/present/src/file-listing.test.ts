import { describe, expect, it } from "vitest";
import { fileListingLines, modeString } from "./file-listing.js";

const row = (over: Partial<Parameters<typeof modeString>[0]>) => ({
  path: "/x",
  type: "file",
  size: 0,
  mode: 0o644,
  uid: 0,
  gid: 0,
  ...over,
});

describe("file listings", () => {
  it("shows modes as ls -l does, setuid, setgid and sticky included", () => {
    expect(modeString(row({ type: "directory", mode: 0o755 }))).toBe("drwxr-xr-x");
    expect(modeString(row({ mode: 0o4755 }))).toBe("-rwsr-xr-x");
    expect(modeString(row({ mode: 0o2644 }))).toBe("-rw-r-Sr--");
    expect(modeString(row({ type: "directory", mode: 0o1777 }))).toBe("drwxrwxrwt");
    expect(modeString(row({ type: "weird" }))).toBe("?rw-r--r--");
  });

  it("one line per entry, links shown, a name's newline kept on its line", () => {
    expect(
      fileListingLines([
        row({ path: "/etc/os-release", size: 47 }),
        row({ path: "/bin/sh", type: "symlink", mode: 0o777, linkTarget: "/bin/busybox" }),
        row({ path: "/evil\n-rw-r--r-- forged", uid: 1000, gid: 1000 }),
      ]),
    ).toEqual([
      "-rw-r--r-- 0/0               47 /etc/os-release",
      "lrwxrwxrwx 0/0                0 /bin/sh -> /bin/busybox",
      "-rw-r--r-- 1000/1000          0 /evil\\u000a-rw-r--r-- forged",
    ]);
  });
});
