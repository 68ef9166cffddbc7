/**
 * `regatta inventory` and `regatta diff` (issue 14, items 2 and 3) through the built CLI against real registries
 * (distribution 2.8, anonymous and behind a token server): the table, CSV and JSON of an inventory; a diff's report,
 * its files, an index against an image; bad input (an unknown repository, an unknown tag) as one line and an exit
 * code, never a stack trace.
 */
import {
  DEFAULT_USERS,
  generateImage,
  generateIndex,
  type LayerFileEntry,
  pushImage,
  useRegistry,
} from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const BASE: LayerFileEntry[] = [
  { name: "etc/", type: "directory" },
  { name: "etc/os-release", content: "ID=regatta\n" },
  { name: "etc/motd", content: "hello\n" },
];
const V2: LayerFileEntry[] = [
  { name: "etc/.wh.motd" },
  { name: "srv/", type: "directory" },
  { name: "srv/app.js", content: "console.log(2)\n", mode: 0o755 },
];

async function seed(url: string, credentials = {}) {
  const v1 = await generateImage({ layers: 0, fileLayers: [BASE], seed: "explore" });
  const v2 = await generateImage({ layers: 0, fileLayers: [BASE, V2], seed: "explore", labels: { v: "2" } });
  const multi = await generateIndex({ layers: [64], seed: "explore-multi" });
  for (const [tag, content] of [
    ["v1", v1],
    ["alias", v1],
    ["v2", v2],
    ["multi", multi],
  ] as const)
    await pushImage(url, "team/app", tag, content, credentials);
  return { v1, v2, multi };
}

describe("regatta inventory and diff, anonymous", () => {
  const registry = useRegistry("none");
  let seeded: Awaited<ReturnType<typeof seed>>;
  beforeAll(async () => {
    seeded = await seed(registry.url);
  }, 60_000);
  const ref = (tag: string) => `${registry.host}/team/app:${tag}`;

  it("inventory prints a table of every tag, the ones sharing a manifest named", async () => {
    const { code, stdout, stderr } = await regatta(["inventory", `${registry.host}/team/app`]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TAG\s+DIGEST\s+KIND\s+PLATFORMS\s+CREATED\s+SIZE\s+SAME AS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["alias", "multi", "v1", "v2"]);
    expect(lines[1]).toMatch(
      /^alias\s+sha256:[0-9a-f]{12}\s+image\s+linux\/amd64\s+1970-01-01T00:00:00Z\s+\S+ B\s+v1$/,
    );
    expect(lines[2]).toMatch(/multi\s+sha256:[0-9a-f]{12}\s+index\s+linux\/amd64,linux\/arm64\/v8\s/);
  });

  it("inventory --csv is RFC 4180 and --json the data, sorted as asked", async () => {
    const csv = await regatta(["inventory", `${registry.host}/team/app`, "--csv", "--sort", "created"]);
    expect(csv.code).toBe(0);
    const records = csv.stdout.split("\r\n");
    expect(records[0]).toBe("tag,digest,mediaType,kind,platforms,created,size,sharedCount");
    // Every date is the testkit's 1970: ties in name order; the file ends with CRLF.
    expect(records.slice(1).map((r) => r.split(",")[0])).toEqual(["alias", "multi", "v1", "v2", ""]);
    expect(records[1]).toContain(`,${seeded.v1.manifest.digest},`);

    const json = await regatta(["inventory", `${registry.host}/team/app`, "--json"]);
    const data = JSON.parse(json.stdout);
    expect(data.shared).toEqual([{ digest: seeded.v1.manifest.digest, tags: ["alias", "v1"] }]);
    expect(data.tags.find((t: { tag: string }) => t.tag === "multi").digest).toBe(seeded.multi.index.digest);
    expect(data.tags.find((t: { tag: string }) => t.tag === "v1").sharedCount).toBe(1);
  });

  it("inventory of a repository the registry does not know: one line, exit non-zero", async () => {
    const { code, stdout, stderr } = await regatta(["inventory", `${registry.host}/team/nothing`]);
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/team\/nothing/);
    const both = await regatta(["inventory", `${registry.host}/team/app`, "--csv", "--json"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--csv and --json are exclusive/);
  });

  it("diff --files reports labels, layers and files with + - ~", async () => {
    const { code, stdout, stderr } = await regatta(["diff", "--files", ref("v1"), ref("v2")]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^A {2}\S+team\/app:v1 {2}sha256:[0-9a-f]{12} {2}\(linux\/amd64, /);
    expect(stdout).toContain("Labels\n  + v=2\n");
    expect(stdout).toMatch(/Layers: 1 shared \(\S+ \S+\), 0 changed, 1 added, 0 removed/);
    expect(stdout).toContain("  + /srv/app.js  15 B\n");
    expect(stdout).toContain("  - /etc/motd  6 B\n");
    expect(stdout).toMatch(/Files: 2 added \(15 B\), 1 removed \(6 B\), 0 changed, 2 unchanged/);
  });

  it("diff of an index against an image says which image of the index it compared", async () => {
    const { code, stdout } = await regatta(["diff", ref("multi"), ref("v1"), "--platform", "linux/arm64/v8"]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "note: A (" +
        `${registry.host}/team/app:multi) is an index: its linux/arm64/v8 image is compared (the platform asked for)\n`,
    );
    const json = JSON.parse((await regatta(["diff", ref("multi"), ref("multi"), "--json"])).stdout);
    expect(json).toMatchObject({ kind: "index", identical: true });
    expect(json.platforms.common).toEqual(["linux/amd64", "linux/arm64/v8"]);
  });

  it("diff with an unknown tag: one line, exit non-zero", async () => {
    const { code, stdout, stderr } = await regatta(["diff", ref("v1"), ref("nope")]);
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/nope/);
  });
});

describe("regatta inventory and diff on a token registry", () => {
  const registry = useRegistry("token");
  const [[user, password]] = Object.entries(DEFAULT_USERS) as [[string, string]];
  beforeAll(async () => {
    await seed(registry.url, { username: user, password });
  }, 60_000);

  it("work with credentials; a wrong password is one line and an exit code", async () => {
    const login = ["-u", user, "--password-stdin"];
    const inventory = await regatta([...login, "inventory", `${registry.host}/team/app`, "--json"], {
      input: password,
    });
    expect(inventory.code).toBe(0);
    expect(JSON.parse(inventory.stdout).tags).toHaveLength(4);
    const diff = await regatta(
      [...login, "diff", `${registry.host}/team/app:v1`, `${registry.host}/team/app:alias`],
      {
        input: password,
      },
    );
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/The same manifest \(sha256:[0-9a-f]{64}\): no differences\./);
    // The token server grants anonymous pulls; a wrong password is refused, in one line.
    const wrong = await regatta([...login, "inventory", `${registry.host}/team/app`], { input: "wrong" });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("regatta inventory of a repository with a lying index tag", () => {
  const registry = useRegistry("none");
  beforeAll(async () => {
    const good = await generateImage({ layers: 0, fileLayers: [BASE], seed: "lie" });
    await pushImage(registry.url, "team/lie", "good", good);
    // An index naming the good image by its digest and a wrong size: that tag alone cannot be inventoried.
    const lie = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: good.manifest.digest,
          size: 100,
          platform: { os: "linux", architecture: "amd64" },
        },
      ],
    });
    const put = await fetch(`${registry.url}/v2/team/lie/manifests/lie`, {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.index.v1+json" },
      body: lie,
    });
    expect(put.status).toBe(201);
  }, 60_000);

  it("lists the good tags, names the bad one with its error, and exits 1 with a summary", async () => {
    const table = await regatta(["inventory", `${registry.host}/team/lie`]);
    expect(table.code).toBe(1);
    expect(
      table.stdout
        .trimEnd()
        .split("\n")
        .slice(1)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(["good"]);
    expect(table.stderr).toMatch(
      /^failed lie: manifest \S+@sha256:[0-9a-f]{64} is \d+ bytes, but the index entry naming it says 100 \(SIZE_INVALID\)\nregatta: 1 of 2 tags failed \(listed above\)\n$/,
    );
    const json = await regatta(["inventory", `${registry.host}/team/lie`, "--json"]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.tags.map((t: { tag: string }) => t.tag)).toEqual(["good"]);
    expect(doc.failed).toEqual([expect.objectContaining({ tag: "lie", code: "SIZE_INVALID" })]);
  });
});
