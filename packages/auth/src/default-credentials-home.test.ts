import { describe, expect, it } from "vitest";
import { defaultCredentials } from "./default-credentials.js";
import { b64, tempDir, writeIn } from "./test-helpers.js";

// The default chain reads the files under the home directory it is given, not only under $HOME: an embedder that
// passes homeDir (and no HOME) must get both the containers auth.json and the docker config found there.
describe("defaultCredentials reads under the homeDir it is given", () => {
  it("containers auth.json and docker config.json under homeDir, with no HOME in the environment", async () => {
    const home = await tempDir();
    await writeIn(home, ".config/containers/auth.json", {
      auths: { "podman.io": { auth: b64("podman:pw") } },
    });
    await writeIn(home, ".docker/config.json", { auths: { "docker.example": { auth: b64("docker:pw") } } });
    const provider = defaultCredentials({}, { homeDir: home });
    expect(await provider.get("podman.io")).toEqual({ username: "podman", password: "pw" });
    expect(await provider.get("docker.example")).toEqual({ username: "docker", password: "pw" });
  });

  it("homeDir wins over HOME", async () => {
    const home = await tempDir();
    const given = await tempDir();
    await writeIn(home, ".docker/config.json", { auths: { "r.io": { auth: b64("from-home:pw") } } });
    await writeIn(given, ".docker/config.json", { auths: { "r.io": { auth: b64("from-given:pw") } } });
    expect(await defaultCredentials({ HOME: home }, { homeDir: given }).get("r.io")).toEqual({
      username: "from-given",
      password: "pw",
    });
  });
});
