/** Issue 10, item 7 from the command line: `delete` names every tag it removes and refuses to surprise. */
import {
  distributionHandlers,
  fakeRepository,
  generateImage,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
} from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const SHARED = ["t000", "t001", "t002", "t003", "t004"];
let handlers: RegistryHandlers;
let served: ServedHandlers | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function start() {
  const image = await generateImage({ layers: [200], seed: "cli-delete" });
  handlers = distributionHandlers({
    repos: { "team/app": fakeRepository(Object.fromEntries(SHARED.map((t) => [t, image]))) },
  });
  served = await serveHandlers(handlers);
  return { repo: `${new URL(served.url).host}/team/app`, digest: image.manifest.digest };
}
const tags = () => [...(handlers.store.repository("team/app")?.tags?.keys() ?? [])].sort();

describe("regatta delete and rmtag", () => {
  it("delete REPO:TAG refuses (exit 2) naming the other tags, and deletes nothing", async () => {
    const { repo } = await start();
    const run = await regatta(["delete", `${repo}:t004`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("also tagged t000, t001, t002, t003");
    expect(run.stderr).toContain("--force");
    expect(tags()).toEqual(SHARED);
  });

  it("delete --force --json names every tag removed", async () => {
    const { repo, digest } = await start();
    const run = await regatta(["delete", `${repo}:t004`, "--force", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ reference: `${repo}:t004@${digest}`, digest, tags: SHARED });
    expect(tags()).toEqual([]);
  });

  it("rmtag removes only the tag named, on distribution 2.x too", async () => {
    const { repo, digest } = await start();
    const run = await regatta(["rmtag", `${repo}:t004`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`the manifest ${digest} stays; still tagged t000, t001, t002, t003`);
    expect(tags()).toEqual(SHARED.slice(0, 4));
  });

  it.each([["rmtag"], ["delete"], ["delete", "--dry-run"]])(
    "%s REPO (no tag) is refused before any request (exit 2): latest is not taken for granted",
    async (...command) => {
      const { repo } = await start();
      // Was: `rmtag host/team/app` deleted :latest ("deleted tag …:latest"), delete --dry-run aimed at latest.
      const run = await regatta([...command, repo]);
      expect([run.code, run.stdout]).toEqual([2, ""]);
      expect(run.stderr).toContain(`names no tag, and latest is not taken for granted when deleting`);
      expect(run.stderr).toContain(`${repo}:latest to mean it`);
      expect(handlers.requests).toEqual([]);
      expect(tags()).toEqual(SHARED);
    },
  );
});
