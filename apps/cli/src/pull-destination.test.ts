/** pull's destination as skopeo's transports (pull-destination.ts), and the refusals' commands, quoted for a shell. */
import { UsageError } from "@regatta/errors";
import { shellArgv } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { pullDestination } from "./pull-destination.js";

function refusal(word: string): string {
  try {
    pullDestination(word);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${word} was taken`);
}

describe("pullDestination", () => {
  it("reads oci:DIR[:NAME], oci-archive:PATH[:NAME] and docker-archive:PATH; a path with a colon stays a path", () => {
    expect(pullDestination("./a:b")).toEqual({ path: "./a:b" });
    expect(pullDestination("oci:lay")).toEqual({ path: "lay", format: "oci" });
    expect(pullDestination("oci:/t/my dir:example.com/app:1.0")).toEqual({
      path: "/t/my dir",
      format: "oci",
      name: "example.com/app:1.0",
    });
    expect(pullDestination("oci-archive:o.tar:v2")).toEqual({ path: "o.tar", format: "docker", name: "v2" });
    expect(pullDestination("docker-archive:d.tar")).toEqual({ path: "d.tar", format: "docker" });
  });

  it("refuses a transport with no path, and a name outside the ref.name grammar", () => {
    for (const word of ["oci:", "oci::x", "oci-archive:", "dir:"]) {
      expect(refusal(word), word).toContain("names no path after");
    }
    expect(refusal("oci:lay:a::b")).toContain("is not an image name an OCI layout takes");
  });

  it("refuses the transports it cannot write with the command that works, its words quoted for the shell", () => {
    // Was `regatta pull REF /t/my dir --format dir`: two words for the path.
    const dir = /: regatta pull REF (.*) --format dir$/.exec(refusal("dir:/t/my dir"))?.[1];
    expect(shellArgv(dir!)).toEqual(["/t/my dir"]);
    const archive = /give (.*)$/.exec(refusal("docker-archive:/t/it's.tar:app:1"))?.[1];
    expect(shellArgv(archive!)).toEqual(["docker-archive:/t/it's.tar"]);
    const copy = /regatta copy SOURCE (.*) copies between registries$/.exec(
      refusal("docker://localhost:5000/x"),
    )?.[1];
    expect(copy).toBe("localhost:5000/x");
    expect(refusal("containers-storage:x")).toContain("regatta pull REF FILE.tar");
  });
});
