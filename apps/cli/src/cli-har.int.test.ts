/**
 * `--har FILE` (issue 14, item 5) through the built CLI against the real registry with token auth: every exchange of
 * the run in a HAR 1.2 file the schema accepts, with neither the password nor a token in it; a failed run still
 * writes its recording (it is the one worth reporting); a path that cannot be written is refused before any request.
 */
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_USERS, generateImage, harSchemaErrors, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];

describe("--har FILE against a token registry", () => {
  const registry = useRegistry("token");
  const dir = mkdtempSync(join(tmpdir(), "regatta-har-"));
  let host: string;

  beforeAll(async () => {
    host = registry.host;
    await pushImage(registry.url, "team/api", "1.0", await generateImage({ seed: "har-cli" }), {
      username: USER,
      password: PASSWORD,
    });
  }, 60_000);

  const secretFree = (text: string) => {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(/eyJ[\w-]{8,}\.[\w-]{8,}/);
    expect(text).not.toMatch(/"(?:Basic|Bearer) (?!REDACTED|realm=)/);
  };

  it("records a copy within the registry: token requests (no bodies), manifests, blob mounts; valid HAR 1.2", async () => {
    const file = join(dir, "copy.har");
    const run = await regatta(
      [
        "--har",
        file,
        "-u",
        USER,
        "--password-stdin",
        "copy",
        `${host}/team/api:1.0`,
        `${host}/team/copy:1.0`,
      ],
      { input: PASSWORD },
    );
    expect(run.stderr).toMatch(/recorded \d+ HTTP exchanges in .*copy\.har \(secrets redacted\)/);
    expect(run.code).toBe(0);
    const text = readFileSync(file, "utf8");
    const har = JSON.parse(text);
    expect(harSchemaErrors(har)).toEqual([]);
    expect(har.log.creator.name).toBe("regatta");
    const entries = har.log.entries as Array<{
      request: { method: string; url: string };
      response: { status: number; content: { text?: string; comment?: string } };
    }>;
    const token = entries.filter((e) => /\/token|\/auth/.test(e.request.url) && e.response.status === 200);
    expect(token.length).toBeGreaterThan(0);
    for (const t of token) expect(t.response.content.text).toBeUndefined();
    expect(
      entries.some((e) => e.request.method === "PUT" && /\/team\/copy\/manifests\/1\.0$/.test(e.request.url)),
    ).toBe(true);
    secretFree(text);
  });

  it("a failed run writes its recording too, with the registry's answer in it", async () => {
    const file = join(dir, "failed.har");
    const run = await regatta(
      ["--har", file, "-u", USER, "--password-stdin", "manifest", `${host}/team/api:nope`],
      {
        input: PASSWORD,
      },
    );
    expect(run.code).not.toBe(0);
    const har = JSON.parse(readFileSync(file, "utf8"));
    expect(harSchemaErrors(har)).toEqual([]);
    const last = har.log.entries.at(-1);
    expect(last.response.status).toBe(404);
    expect(last.response.content.text).toMatch(/MANIFEST_UNKNOWN/);
    secretFree(JSON.stringify(har));
  });

  it("refuses a path it cannot write before sending anything: exit 2, and why", async () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "x");
    for (const [path, why] of [
      [join(blocker, "x.har"), /is not a directory/],
      [join(blocker, "sub", "x.har"), /a file is on the way/],
      [dir, /is a directory/],
      // A directory that does not exist is refused, as blob -o and export -o refuse it: it was made before.
      [join(dir, "missing", "sub", "x.har"), /cannot write there \(.*missing\/sub.*: no such directory\)/],
    ] as const) {
      const run = await regatta(["--har", path, "-v", "tags", `${host}/team/api`]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(why);
      // -v logs every request: none went.
      expect(run.stderr).not.toMatch(/\[#1\]/);
      expect(run.stderr).toMatch(/^regatta: --har /);
    }
    expect(readdirSync(dir)).not.toContain("missing");
  });

  it("refuses to record over the command's own output or input, however it is named: exit 2, nothing sent", async () => {
    // The HAR, written last, replaced a verified blob, a pulled tarball or a pushed source (QA faults5 #2).
    const own = mkdtempSync(join(tmpdir(), "regatta-har-own-"));
    writeFileSync(join(own, "kept.tar"), "source");
    symlinkSync(join(own, "kept.tar"), join(own, "link.tar"));
    const digest = `sha256:${"0".repeat(64)}`;
    const ref = `${host}/team/api:1.0`;
    const runs: [string, string[]][] = [
      [join(own, "blob.bin"), ["blob", `${host}/team/api@${digest}`, "-o", join(own, ".", "blob.bin")]],
      [join(own, "pulled.tar"), ["pull", ref, join(own, "sub", "..", "pulled.tar")]],
      [join(own, "fs.tar"), ["export", ref, "-o", join(own, "fs.tar")]],
      [join(own, "link.tar"), ["push", join(own, "kept.tar"), ref]],
      [join(own, "kept.tar"), ["put-blob", `${host}/team/api`, join(own, "link.tar")]],
    ];
    for (const [har, args] of runs) {
      const run = await regatta(["--har", har, "-v", ...args]);
      expect(run.code, `${args[0]}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/^regatta: --har .* name the same file/);
      expect(run.stderr).not.toMatch(/\[#1\]/);
    }
    expect(readFileSync(join(own, "kept.tar"), "utf8")).toBe("source");
    expect(readdirSync(own).sort()).toEqual(["kept.tar", "link.tar"]);
  });
});
