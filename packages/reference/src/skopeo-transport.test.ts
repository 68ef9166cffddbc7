/**
 * skopeo's transports (skopeo-transport.ts), split as skopeo splits them: the path up to its first colon, the rest
 * the image's name (containers/image's SplitPathAndImage), a name any OCI ref.name.
 */
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { layoutRefName, skopeoTransport } from "./skopeo-transport.js";

describe("skopeoTransport", () => {
  it("names skopeo's transports, and no word that merely holds a colon", () => {
    for (const word of [
      "./a:b",
      "out/x:1",
      "localhost:5000/app:1",
      "docker://host/app:1",
      "OCI:x",
      "ocix:y",
    ]) {
      expect(skopeoTransport(word), word).toBeUndefined();
    }
    for (const transport of [
      "oci",
      "oci-archive",
      "docker-archive",
      "dir",
      "docker-daemon",
      "containers-storage",
    ]) {
      expect(skopeoTransport(`${transport}:p`)).toEqual({ transport, rest: "p", path: "p" });
    }
    // The transport alone: a transport with no path, for its reader to refuse.
    expect(skopeoTransport("oci:")).toEqual({ transport: "oci", rest: "", path: "" });
  });

  it("splits PATH:NAME at the path's first colon; dir: takes a path alone; a leading colon is the path's", () => {
    expect(skopeoTransport("oci:lay:1.0")).toMatchObject({ path: "lay", reference: "1.0" });
    expect(skopeoTransport("oci:sy3:example.com/app:1.0")).toMatchObject({
      path: "sy3",
      reference: "example.com/app:1.0",
    });
    expect(skopeoTransport("oci-archive:/t/a.tar:a:b")).toMatchObject({ path: "/t/a.tar", reference: "a:b" });
    expect(skopeoTransport("docker-archive:a.tar:app:1")).toMatchObject({
      path: "a.tar",
      reference: "app:1",
    });
    expect(skopeoTransport("dir:x:y")).toEqual({ transport: "dir", rest: "x:y", path: "x:y" });
    expect(skopeoTransport("oci::x")).toEqual({ transport: "oci", rest: ":x", path: ":x" });
    expect(skopeoTransport("oci:/my dir/lay:v1")).toMatchObject({ path: "/my dir/lay", reference: "v1" });
    expect(skopeoTransport("oci:a\nb:v1")).toMatchObject({ path: "a\nb", reference: "v1" });
  });
});

describe("layoutRefName", () => {
  it("takes any OCI ref.name, not only a tag", () => {
    for (const name of ["stable", "a:b", "example.com/app:1.0", "v1.0-rc_1", "a--b"]) {
      expect(layoutRefName(`oci:lay:${name}`, name)).toBe(name);
    }
  });

  it("refuses a name outside the grammar, saying which and what the grammar is", () => {
    for (const name of ["a::b", "-x", "a/", "a b", ""]) {
      expect(() => layoutRefName(`oci:lay:${name}`, name), name).toThrow(UsageError);
    }
    expect(() => layoutRefName("oci:lay:a b", "a b")).toThrow(
      'oci:lay:a b: "a b" is not an image name an OCI layout takes (ref.name:',
    );
  });
});
