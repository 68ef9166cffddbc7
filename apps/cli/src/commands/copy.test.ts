import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CopyResult } from "@regatta/client";
import { UsageError } from "@regatta/errors";
import { parseReference } from "@regatta/reference";
import { tempDirs } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import {
  copyCredentials,
  copyOptions,
  copyPairs,
  mergeCredentials,
  platformNote,
  refuseSpreadCredentials,
  tagged,
} from "./copy.js";

const tempDir = tempDirs("regatta-copy-list-");

describe("copyCredentials", () => {
  const me = { username: "me", password: "pw" };

  it("gives each end its own credentials, by host", () => {
    expect(
      copyCredentials(
        { srcUsername: "me", srcPassword: "pw", destUsername: "ci", destPassword: "token" },
        "ghcr.io",
        "localhost:5000",
      ),
    ).toEqual({
      hosts: { "ghcr.io": me, "localhost:5000": { username: "ci", password: "token" } },
    });
    expect(copyCredentials({}, "a.example", "b.example")).toEqual({});
  });

  it("takes the password from the environment, and refuses half a pair", () => {
    process.env.REGATTA_SRC_PASSWORD = "from-env";
    try {
      expect(copyCredentials({ srcUsername: "me" }, "a.example", "b.example")).toEqual({
        hosts: { "a.example": { username: "me", password: "from-env" } },
      });
    } finally {
      delete process.env.REGATTA_SRC_PASSWORD;
    }
    expect(() => copyCredentials({ destUsername: "me" }, "a", "b")).toThrow(/REGATTA_DEST_PASSWORD/);
    expect(() => copyCredentials({ srcPassword: "pw" }, "a", "b")).toThrow(
      /--src-password needs --src-username/,
    );
  });

  it("refuses two different sets for one registry", () => {
    expect(() =>
      copyCredentials(
        { srcUsername: "a", srcPassword: "1", destUsername: "b", destPassword: "2" },
        "same.example",
        "same.example",
      ),
    ).toThrow(/one set of credentials/);
  });
});

describe("copyOptions", () => {
  it("copies every platform by default, one platform's image alone, or an index of a list", () => {
    expect(copyOptions({})).toEqual({ platforms: "all", concurrency: 4 });
    expect(copyOptions({ allPlatforms: true })).toEqual({ platforms: "all", concurrency: 4 });
    // crane's spelling of every platform.
    expect(copyOptions({ platforms: "all" })).toEqual({ platforms: "all", concurrency: 4 });
    // Refused before the run says what it takes: referrers name the source's digest.
    expect(() => copyOptions({ platforms: "linux/arm64", referrers: true })).toThrow(/--referrers name/);
    expect(copyOptions({ platforms: "linux/arm64" })).toEqual({ platform: "linux/arm64", concurrency: 4 });
    expect(
      copyOptions({ platforms: " linux/amd64 , linux/arm64,", jobs: "2", force: true, verify: false }),
    ).toEqual({
      platforms: ["linux/amd64", "linux/arm64"],
      concurrency: 2,
      force: true,
      verify: false,
    });
  });

  it("refuses --platform with --all-platforms, and a --platform naming none", () => {
    expect(() => copyOptions({ allPlatforms: true, platforms: "linux/arm64" })).toThrow(UsageError);
    expect(() => copyOptions({ platforms: " , " })).toThrow("--platform names no platform");
  });
});

describe("copyPairs", () => {
  it("refuses skopeo's transports (oci:DIR read as Docker Hub's library/oci sent a copy there), pointing elsewhere", () => {
    expect(() => copyPairs("localhost:5000/a:1", "oci:layout", {})).toThrow(
      "copy takes registry references, and oci:layout is skopeo's oci: transport: regatta pull localhost:5000/a:1 oci:layout",
    );
    expect(() => copyPairs("oci-archive:a.tar:v1", "localhost:5000/a", {})).toThrow(
      "regatta push a.tar localhost:5000/a --name v1",
    );
    // skopeo's reference after the layout's path is the image's --name (run as given in cli-skopeo-transports).
    expect(() => copyPairs("oci:lay:amd", "localhost:5000/x:1", {})).toThrow(
      "regatta push lay localhost:5000/x:1 --name amd",
    );
    expect(() => copyPairs("localhost:5000/app:amd", "oci:out/copyoci:amd", {})).toThrow(
      "regatta pull localhost:5000/app:amd oci:out/copyoci:amd",
    );
    expect(() => copyPairs("dir:./x", "localhost:5000/a", {})).toThrow("regatta push ./x localhost:5000/a");
    // A docker archive target: the pull that writes one (never Docker Hub's library/docker-archive, never --format oci).
    const archive = (() => {
      try {
        copyPairs("localhost:5000/app:1.0", "docker-archive:da.tar", {});
      } catch (error) {
        return error as UsageError;
      }
    })();
    expect(archive).toBeInstanceOf(UsageError);
    expect(archive?.message).toBe(
      "copy takes registry references, and docker-archive:da.tar is skopeo's docker-archive: transport: regatta pull localhost:5000/app:1.0 docker-archive:da.tar (a docker archive, as docker save writes)",
    );
    expect(() => copyPairs("docker-archive:in.tar:app:1", "localhost:5000/a", {})).toThrow(
      "regatta push in.tar localhost:5000/a --name app:1",
    );
    // Named with its registry, a Docker Hub repository called oci is still a reference.
    expect(copyPairs("docker.io/library/oci:1", "localhost:5000/a", {})[0]!.source.repository).toBe(
      "library/oci",
    );
  });

  it("takes SOURCE TARGET, or the lines of --from-file, never both", () => {
    const [pair] = copyPairs("alpine:3.20", "localhost:5000/mirror/alpine", {});
    expect([pair!.source.toString(), pair!.target.toString()]).toEqual([
      "docker.io/library/alpine:3.20",
      "localhost:5000/mirror/alpine",
    ]);
    const file = join(tempDir(), "refs.txt");
    writeFileSync(file, "# two\na:1 localhost:5000/a\nb:2 localhost:5000/b\n");
    expect(copyPairs(undefined, undefined, { fromFile: file }).map((p) => p.line)).toEqual([2, 3]);
    expect(() => copyPairs("a:1", undefined, { fromFile: file })).toThrow(
      "give SOURCE TARGET or --from-file, not both",
    );
  });

  it("refuses a missing argument, an unreadable file, and --keep-going without a file", () => {
    expect(() => copyPairs("a:1", undefined, {})).toThrow(
      "copy needs SOURCE and TARGET (or --from-file FILE)",
    );
    expect(() => copyPairs(undefined, undefined, { fromFile: "/nonexistent/refs.txt" })).toThrow(
      "--from-file /nonexistent/refs.txt: cannot read it (no such file)",
    );
    expect(() => copyPairs("a:1", "b", { keepGoing: true })).toThrow("--keep-going goes with --from-file");
  });
});

describe("mergeCredentials", () => {
  const me = { username: "me", password: "pw" };
  it("joins the hosts of every pair, and refuses one host with two sets", () => {
    expect(mergeCredentials([{ hosts: { a: me } }, {}, { hosts: { a: me, b: me } }])).toEqual({
      hosts: { a: me, b: me },
    });
    expect(mergeCredentials([{}, {}])).toEqual({});
    expect(() =>
      mergeCredentials([{ hosts: { a: me } }, { hosts: { a: { username: "me", password: "other" } } }]),
    ).toThrow("a is a source and a target with different credentials");
  });
});

describe("refuseSpreadCredentials", () => {
  const ends = (sources: string[], targets: string[]) => ({ sources, targets });
  it("refuses one side's credentials when that side is on several registries", () => {
    expect(() =>
      refuseSpreadCredentials(ends(["a.test", "b.test"], ["c.test"]), { srcUsername: "me" }, {}),
    ).toThrow("--src-username/--src-password would go to every registry the sources are on (a.test, b.test)");
    expect(() =>
      refuseSpreadCredentials(ends(["a.test"], ["c.test", "d.test"]), {}, { username: "ci" }),
    ).toThrow(/would go to every registry the targets are on \(c\.test, d\.test\)/);
    expect(() => refuseSpreadCredentials(ends(["a.test", "b.test"], []), { srcUsername: "me" }, {})).toThrow(
      UsageError,
    );
  });

  it("refuses --src-*/--dest-* with --anonymous (they were dropped without a word)", () => {
    expect(() =>
      refuseSpreadCredentials(ends(["a.test"], ["c.test"]), { srcUsername: "bob" }, { anonymous: true }),
    ).toThrow("anonymous access and credentials (--src-*/--dest-*) were both given; choose one");
    expect(() =>
      refuseSpreadCredentials(ends(["a.test"], ["c.test"]), {}, { anonymous: true }),
    ).not.toThrow();
  });

  it("lets them through when that side is one registry, or when none were given", () => {
    const list = ends(["a.test", "b.test"], ["c.test", "c.test"]);
    expect(() => refuseSpreadCredentials(list, { destUsername: "me" }, { username: "ci" })).not.toThrow();
    expect(() => refuseSpreadCredentials(list, {}, {})).not.toThrow();
    expect(() =>
      refuseSpreadCredentials(ends(["a.test"], ["c.test"]), { srcUsername: "me" }, {}),
    ).not.toThrow();
  });
});

describe("tagged", () => {
  const digest = `sha256:${"d".repeat(64)}`;
  it.each([
    [`localhost:5000/a:1@${digest}`, "localhost:5000/a:1"],
    [`localhost:5000/a@${digest}`, `localhost:5000/a@${digest}`],
    ["localhost:5000/a:1", "localhost:5000/a:1"],
  ])("shows %s as %s", (target, shown) => {
    expect(tagged(target)).toBe(shown);
  });
});

describe("platformNote", () => {
  const pair = {
    line: 0,
    source: parseReference("localhost:5000/a:1"),
    target: parseReference("localhost:5001/a"),
  };
  const image = { mediaType: "application/vnd.oci.image.manifest.v1+json" } as CopyResult;
  const index = { mediaType: "application/vnd.oci.image.index.v1+json" } as CopyResult;
  const picked = {
    ...image,
    index: { digest: "sha256:x", mediaType: index.mediaType },
    platform: "linux/arm64",
  };

  it("says a --platform was ignored when the source was a single image", () => {
    expect(platformNote(pair, { platform: "linux/arm64", concurrency: 4 }, image)).toBe(
      "--platform linux/arm64 ignored: localhost:5000/a:1 is a single image, not an index; copied as it is",
    );
    expect(
      platformNote(pair, { platforms: ["linux/amd64", "linux/arm64"], concurrency: 4 }, image),
    ).toContain("--platform linux/amd64,linux/arm64 ignored");
    expect(
      platformNote(pair, { platform: "linux/arm64", concurrency: 4 }, { ...image, platform: "linux/arm64" }),
    ).toBe(
      "--platform linux/arm64 ignored: localhost:5000/a:1 is a single image for linux/arm64, not an index; copied as it is",
    );
  });

  it("says nothing when a platform was picked from an index, an index was kept, or none was asked", () => {
    expect(
      platformNote(pair, { platform: "linux/arm64", concurrency: 4 }, picked as CopyResult),
    ).toBeUndefined();
    expect(platformNote(pair, { platforms: ["linux/arm64"], concurrency: 4 }, index)).toBeUndefined();
    expect(platformNote(pair, { platforms: "all", concurrency: 4 }, image)).toBeUndefined();
  });
});
