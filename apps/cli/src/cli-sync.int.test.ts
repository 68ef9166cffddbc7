/**
 * `regatta sync` and `regatta ratelimit`, run by the built CLI against real registries (distribution): one
 * repository, filters, a dry run (nothing written), a config with several repositories (both formats, credentials
 * from the file, a token registry), registry → OCI layout → registry, resume after a SIGKILL, and N processes on
 * disjoint shards that together did every image once.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, NotFoundError } from "@regatta/client";
import { type GeneratedImage, generateImage, generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const AUTH = { username: "regatta", password: "regatta-secret" };
const DEST = ["--dest-username", "regatta", "--dest-password", "regatta-secret"];
/** `regatta sync FROM TO ARGS…` with the target registry's credentials. */
const syncTo = (from: string, to: string, ...args: string[]) => regatta(["sync", from, to, ...DEST, ...args]);

/** Tags of `repo` on `registry` with their digests; {} when the repository does not exist. */
async function digests(
  host: string,
  repo: string,
  credentials = {},
): Promise<Partial<Record<string, string>>> {
  const reg = createClient(host, credentials);
  try {
    return (await reg.tagsWithDigests(`${host}/${repo}`)).digests;
  } catch (error) {
    if (error instanceof NotFoundError) return {};
    throw error;
  } finally {
    await reg.close();
  }
}

describe("regatta sync against real registries", () => {
  const src = useRegistry("none");
  const dst = useRegistry("basic");
  const tok = useRegistry("token");
  /** tag → digest of src/app, src/tools, src/base, src/big. */
  const seeded: Record<string, Record<string, string>> = {};
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "regatta-sync-"));
    const put = async (
      repo: string,
      tags: Record<string, GeneratedImage | Awaited<ReturnType<typeof generateIndex>>>,
    ) => {
      seeded[repo] = {};
      for (const [tag, image] of Object.entries(tags)) {
        await pushImage(src.url, repo, tag, image);
        seeded[repo][tag] = image.kind === "index" ? image.index.digest : image.manifest.digest;
      }
    };
    // src/app: versions sharing their layers (same seed, configs differ by a label), and an index.
    const app: Record<string, GeneratedImage | Awaited<ReturnType<typeof generateIndex>>> = {};
    for (const v of ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0", "latest"]) {
      app[v] = await generateImage({ layers: [4000, 2000], seed: "sync-app", labels: { v } });
    }
    app.multi = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64"],
      layers: [1500],
      seed: "sync-multi",
    });
    await put("src/app", app);
    await put("src/tools", {
      a: await generateImage({ layers: [900], seed: "tools-a" }),
      b: await generateImage({ layers: [900], seed: "tools-b" }),
    });
    await put("src/base", { "3.19": await generateImage({ layers: [700], seed: "base" }) });
    await put("src/extra", { x: await generateImage({ layers: [600], seed: "extra" }) });
    // src/big: distinct layers per tag, so a sync of it takes long enough to be killed half-way.
    const big: Record<string, GeneratedImage> = {};
    for (let i = 0; i < 16; i++) {
      big[`t${String(i).padStart(2, "0")}`] = await generateImage({ layers: [400_000], seed: `big-${i}` });
    }
    await put("src/big", big);
  }, 120_000);

  it("one repository: every tag, digests kept; again: everything up to date, nothing sent", async () => {
    const first = await syncTo(`${src.host}/src/app`, `${dst.host}/one/app`, "--json");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ copied: 7, skipped: 0, failed: 0 });
    // Six tags share two layers: each sent once (2 layers + 6 configs), and the index's two images (2 + 2).
    expect(summary.blobs.uploaded).toBe(2 + 6 + 4);
    expect(await digests(dst.host, "one/app", AUTH)).toEqual(seeded["src/app"]);

    const again = await syncTo(`${src.host}/src/app`, `${dst.host}/one/app`);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^sync: 0 copied, 7 up to date, 0 failed; blobs 0 uploaded, 0 mounted, 0 skipped; 0 B in /,
    );
  });

  it("filters: a semver range with an exclusion, and a tag list", async () => {
    const semver = await syncTo(
      `${src.host}/src/app`,
      `${dst.host}/filtered/app`,
      "--semver",
      ">=1.1 <2",
      "--exclude",
      "1\\.3\\..*",
    );
    expect(semver.code).toBe(0);
    expect(Object.keys(await digests(dst.host, "filtered/app", AUTH)).sort()).toEqual(["1.1.0", "1.2.0"]);
    const listed = await syncTo(`${src.host}/src/app`, `${dst.host}/filtered/app`, "--tag", "multi,latest");
    expect(listed.stdout).toMatch(/^sync: 2 copied, 0 up to date/);
    expect(Object.keys(await digests(dst.host, "filtered/app", AUTH)).sort()).toEqual([
      "1.1.0",
      "1.2.0",
      "latest",
      "multi",
    ]);
  });

  it("an --include that keeps no tag says how patterns read, as tags does (whole tag), and copies nothing", async () => {
    // Was silent: grep's habit `1\.` (a prefix) matches no whole tag, and the run copied nothing, exit 0.
    const run = await syncTo(`${src.host}/src/app`, `${dst.host}/none/app`, "--include", "1\\.");
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'note: no tag matched --include "1\\\\.": patterns match the whole tag as regular expressions (v.* for tags starting with v)',
    );
    expect(await digests(dst.host, "none/app", AUTH)).toEqual({});
    const some = await syncTo(
      `${src.host}/src/app`,
      `${dst.host}/none/app`,
      "--include",
      "1\\..*",
      "--dry-run",
    );
    expect(some.stderr).not.toContain("no tag matched");
  });

  it("config filters: the command line narrows them, entries naming one repository unite, 1.0 stays 1.0", async () => {
    for (const tag of ["1", "1.0", "1.10"]) {
      await pushImage(src.url, "src/ver", tag, await generateImage({ layers: [300], seed: `ver-${tag}` }));
    }
    const file = join(work, "union.yaml");
    // skopeo's format: unquoted 1.0 and 1.10 (YAML numbers), and src/app in two sections, whose tags add up.
    writeFileSync(
      file,
      `${src.host}:\n  images:\n    src/ver: [1.0, 1.10]\n    src/app: [latest]\n  images-by-tag-regex:\n    src/app: ^1\\.[01]\\.\n`,
    );
    const planned = async (...args: string[]) => {
      const out = await regatta([
        "sync",
        "--config",
        file,
        `${dst.host}/u`,
        ...DEST,
        "--dry-run",
        "--json",
        ...args,
      ]);
      expect(out.stderr).toBe("");
      const plan = JSON.parse(out.stdout) as {
        repositories: { source: string; images: { tag: string }[] }[];
      };
      const tags = (repo: string) =>
        plan.repositories.find((r) => r.source.endsWith(`/${repo}`))?.images.map((i) => i.tag) ?? [];
      return { ver: tags("src/ver"), app: tags("src/app") };
    };
    expect(await planned()).toEqual({ ver: ["1.0", "1.10"], app: ["1.0.0", "1.1.0", "latest"] });
    // Command-line filters narrow every job: never a tag the file does not choose.
    expect(await planned("--exclude", "latest")).toEqual({ ver: ["1.0", "1.10"], app: ["1.0.0", "1.1.0"] });
    expect(await planned("--tag", "1.10,2.0.0,latest")).toEqual({ ver: ["1.10"], app: ["latest"] });
    // Two repositories that skopeo's format maps to one target (DEST/<last name>) with a tag in common: warned.
    await pushImage(src.url, "src/ver2/ver", "1.0", await generateImage({ layers: [300], seed: "ver2" }));
    const clash = join(work, "clash.yaml");
    writeFileSync(clash, `${src.host}:\n  images:\n    src/ver: ["1.0"]\n    src/ver2/ver: ["1.0"]\n`);
    const warned = await regatta(["sync", "--config", clash, `${dst.host}/c`, ...DEST, "--dry-run"]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain(
      `warning: ${dst.host}/c/ver:1.0 is written by ${src.host}/src/ver2/ver:1.0 and ${src.host}/src/ver:1.0: the last one copied wins, on every run (--scoped keeps each source's whole path)`,
    );
    // A source naming its tag takes no tag filter: the two would say different things.
    const named = await syncTo(`${src.host}/src/app:1.0.0`, `${dst.host}/named/app`, "--tag", "1.1.0");
    expect(named.code).toBe(2);
    expect(named.stderr).toContain(
      "names the tag 1.0.0: --tag, --include, --exclude and --semver choose among",
    );
  });

  it("skopeo's other transports are refused as such, and two layouts are a usage error (exit 2)", async () => {
    // docker-archive:x.tar read as Docker Hub's library/docker-archive with the tag x.tar before.
    const archive = await regatta(["sync", `${src.host}/src/app`, "docker-archive:x.tar"]);
    expect(archive.code).toBe(2);
    expect(archive.stderr).toBe(
      `regatta: sync writes registries and OCI layouts (oci:DIR), not skopeo's docker-archive: transport (docker-archive:x.tar): for one image, regatta pull ${src.host}/src/app docker-archive:x.tar (a docker archive, as docker save writes)\n`,
    );
    const from = await regatta(["sync", "docker-archive:in.tar", `${dst.host}/x/app`]);
    expect(from.code).toBe(2);
    expect(from.stderr).toContain(
      `sync reads registries and OCI layouts (oci:DIR), not skopeo's docker-archive:`,
    );
    expect(from.stderr).toContain(`regatta push in.tar ${dst.host}/x/app`);
    const layouts = await regatta(["sync", "oci:a", "oci:b"]);
    expect(layouts.code).toBe(2);
    expect(layouts.stderr).toContain("one end of a sync must be a registry");
  });

  it("--dry-run prints the plan and writes nothing", async () => {
    const text = await syncTo(`${src.host}/src/app`, `${dst.host}/dry/app`, "--dry-run");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${src.host}/src/app -> ${dst.host}/dry/app: 7 to copy, 0 up to date`);
    expect(text.stdout).toMatch(/blobs: 12 to upload \([\d.]+ kB\), 0 to mount \(0 B\), 0 already there/);
    expect(text.stdout).toContain("manifest GETs: 9, of which 0 count against a pull quota");
    // A single image is one manifest, never "1 manifests".
    expect(text.stdout).toMatch(/ {4}copy 1\.0\.0 \(.*; \d+ blobs, 1 manifest\)\n/);
    const json = await syncTo(`${src.host}/src/app`, `${dst.host}/dry/app`, "--dry-run", "--json");
    const plan = JSON.parse(json.stdout);
    expect(plan.totals.images).toEqual({ total: 7, copy: 7, skip: 0, failed: 0 });
    expect(plan.repositories[0].images.map((i: { tag: string }) => i.tag)).toEqual([
      "1.0.0",
      "1.1.0",
      "1.2.0",
      "1.3.0",
      "2.0.0",
      "latest",
      "multi",
    ]);
    expect(await digests(dst.host, "dry/app", AUTH)).toEqual({});
  });

  it("tag patterns run in linear time (RE2): nested quantifiers on a registry-chosen 128-character tag finish; RE2-less syntax is refused", async () => {
    // A backtracking engine takes ~2^tag-length steps on these; the process would never end (nor hear SIGTERM).
    const long = `${"a".repeat(127)}b`;
    for (const tag of [long, "aaa"]) {
      await pushImage(
        src.url,
        "src/redos",
        tag,
        await generateImage({ layers: [200], seed: `redos-${tag}` }),
      );
    }
    const from = `${src.host}/src/redos`;
    const planned = async (...args: string[]) => {
      const run = await regatta(["sync", ...args, "--dry-run", "--json"], { killAfter: 60_000 });
      expect([run.code, run.stderr]).toEqual([0, ""]);
      return JSON.parse(run.stdout).repositories[0].images.map((i: { tag: string }) => i.tag);
    };
    expect(await planned(from, `${dst.host}/redos`, ...DEST, "--include", "(a+)+$")).toEqual(["aaa"]);
    expect(await planned(from, `${dst.host}/redos`, ...DEST, "--exclude", "(a|aa)+")).toEqual([long]);
    const skopeo = join(work, "redos-skopeo.yaml");
    writeFileSync(skopeo, `${src.host}:\n  images-by-tag-regex:\n    src/redos: '(a+)+$'\n`);
    expect(await planned("--config", skopeo, `${dst.host}/redos`, ...DEST)).toEqual(["aaa"]);
    const regsync = join(work, "redos-regsync.yaml");
    writeFileSync(
      regsync,
      `creds: [{registry: ${dst.host}, user: regatta, pass: regatta-secret}]\nsync:\n  - source: ${from}\n    target: ${dst.host}/redos\n    tags: {allow: ["(a|aa)+b"], deny: ["(a+)+"]}\n`,
    );
    expect(await planned("--config", regsync)).toEqual([long]);

    // A config's own credentials, refused, are named as the config's, not as stored ones (outside QA).
    const wrong = join(work, "wrong-creds.yaml");
    writeFileSync(
      wrong,
      `creds: [{registry: ${dst.host}, user: regatta, pass: Wrong-Secret-7}]\nsync:\n  - source: ${from}\n    target: ${dst.host}/redos\n`,
    );
    const refusedCreds = await regatta(["sync", "--config", wrong, "--dry-run"]);
    expect(refusedCreds.code).toBe(4);
    expect(refusedCreds.stderr).toMatch(/refused the credentials of regatta given in \S*wrong-creds\.yaml/);
    expect(refusedCreds.stderr).not.toContain("stored credentials");
    expect(refusedCreds.stderr).not.toContain("Wrong-Secret-7");

    for (const [flag, pattern, reason] of [
      ["--include", "(a)\\1", "invalid escape sequence: `\\1`"],
      ["--exclude", "a(?=b)", "invalid or unsupported Perl syntax: `(?=`"],
    ] as const) {
      const refused = await regatta(["sync", from, `${dst.host}/redos`, flag, pattern, "--dry-run", ...DEST]);
      expect([refused.code, refused.stdout]).toEqual([2, ""]);
      expect(refused.stderr).toContain(
        `${JSON.stringify(pattern)} is not a regular expression in RE2's syntax`,
      );
      expect(refused.stderr).toContain(reason);
    }
    const badFile = join(work, "redos-bad.yaml");
    writeFileSync(
      badFile,
      `sync:\n  - source: ${from}\n    target: ${dst.host}/redos\n    tags:\n      deny: ["(a)\\\\1"]\n`,
    );
    const refused = await regatta(["sync", "--config", badFile, "--dry-run"]);
    expect([refused.code, refused.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^regatta: .*redos-bad\.yaml:5: sync\[0\]\.tags\.deny\[0\]: "\(a\)\\\\1" is not a regular expression in RE2's syntax/,
      ),
    ]);
  }, 180_000);

  it("--config: several repositories in regsync's format (credentials from the file, a token registry) and skopeo's", async () => {
    const regsync = join(work, "regsync.yaml");
    writeFileSync(
      regsync,
      `creds:
  - registry: ${dst.host}
    user: regatta
    pass: regatta-secret
  - registry: ${tok.host}
    user: regatta
    pass: regatta-secret
sync:
  - source: ${src.host}/src/tools
    target: ${dst.host}/cfg/tools
  - source: ${src.host}/src/app
    target: ${tok.host}/cfg/app
    tags:
      allow: ["1\\\\..*"]
      deny: ["1\\\\.0\\\\..*"]
  - source: ${src.host}/src/base:3.19
    target: ${tok.host}/cfg/base:3.19
    type: image
`,
    );
    const run = await regatta(["sync", "--config", regsync, "--json"]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toMatchObject({ copied: 6, failed: 0 });
    expect(await digests(dst.host, "cfg/tools", AUTH)).toEqual(seeded["src/tools"]);
    expect(Object.keys(await digests(tok.host, "cfg/app", AUTH)).sort()).toEqual(["1.1.0", "1.2.0", "1.3.0"]);
    expect(await digests(tok.host, "cfg/base", AUTH)).toEqual(seeded["src/base"]);

    const skopeo = join(work, "skopeo.yaml");
    writeFileSync(
      skopeo,
      `${src.host}:\n  images:\n    src/tools: [a]\n  images-by-semver:\n    src/base: ">=3"\n`,
    );
    const run2 = await regatta(["sync", "--config", skopeo, `${dst.host}/sk`, ...DEST]);
    expect(run2.code).toBe(0);
    expect(Object.keys(await digests(dst.host, "sk/tools", AUTH))).toEqual(["a"]);
    expect(Object.keys(await digests(dst.host, "sk/base", AUTH))).toEqual(["3.19"]);

    const bad = join(work, "bad.yaml");
    writeFileSync(bad, "sync:\n  - source: a/b\n");
    const refused = await regatta(["sync", "--config", bad]);
    expect([refused.code, refused.stdout]).toEqual([2, ""]);
    expect(refused.stderr).toBe(`regatta: ${bad}:2: sync[0].target must be a string\n`);
  });

  it("registry → OCI layout → registry, tags as ref.names, digests kept", async () => {
    const layout = join(work, "layout");
    const toLayout = ["sync", `${src.host}/src/app`, `oci:${layout}`, "--tag", "1.0.0,multi", "--json"];
    const out = await regatta(toLayout);
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toMatchObject({ copied: 2, failed: 0 });
    const again = await regatta(toLayout);
    expect(JSON.parse(again.stdout)).toMatchObject({ copied: 0, skipped: 2 });
    const back = await syncTo(`oci:${layout}`, `${dst.host}/fromlayout/app`, "--json");
    expect(JSON.parse(back.stdout)).toMatchObject({ copied: 2, failed: 0 });
    expect(await digests(dst.host, "fromlayout/app", AUTH)).toEqual({
      "1.0.0": seeded["src/app"]!["1.0.0"],
      multi: seeded["src/app"]!.multi,
    });
  });

  it("oci: sources as skopeo and oras write them: full-reference ref.names, odd and missing names, a missing blob", async () => {
    const REF_NAME = "org.opencontainers.image.ref.name";
    // A layout of src/tools a and b, its index.json entries renamed (undefined: no ref.name) by `names`.
    const layoutOf = async (name: string, names: (string | undefined)[]) => {
      const dir = join(work, name);
      const pulled = await regatta(["sync", `${src.host}/src/tools`, `oci:${dir}`, "--tag", "a,b"]);
      expect(pulled.code).toBe(0);
      const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
      index.manifests = index.manifests.map((m: { annotations?: Record<string, string> }, i: number) => {
        const { [REF_NAME]: _old, ...rest } = m.annotations ?? {};
        return { ...m, annotations: names[i] === undefined ? rest : { ...rest, [REF_NAME]: names[i] } };
      });
      writeFileSync(join(dir, "index.json"), JSON.stringify(index));
      return { dir, digests: index.manifests.map((m: { digest: string }) => m.digest) as string[] };
    };

    // skopeo's oci:DIR:docker.io/library/foo:1.0 beside a plain tag: the tag of the reference, both copied.
    const full = await layoutOf("skfull", ["docker.io/library/foo:1.0", "two"]);
    const copied = await syncTo(`oci:${full.dir}`, `${dst.host}/oci/full`);
    expect([copied.code, copied.stderr.split("\n").filter((l) => l.startsWith("regatta:"))]).toEqual([0, []]);
    expect(await digests(dst.host, "oci/full", AUTH)).toEqual({
      "1.0": full.digests[0],
      two: full.digests[1],
    });

    // A ref.name that is neither a tag nor a reference: that entry alone is left out, with a warning.
    const odd = await layoutOf("odd", ["not a tag!", "two"]);
    const oddRun = await syncTo(`oci:${odd.dir}`, `${dst.host}/oci/odd`);
    expect(oddRun.code).toBe(0);
    expect(oddRun.stderr).toContain(
      `warning: oci:${odd.dir}: the ref.name "not a tag!" is neither a tag nor an image reference: not synced\n`,
    );
    expect(await digests(dst.host, "oci/odd", AUTH)).toEqual({ two: odd.digests[1] });

    // Images without a ref.name: said, in a run and in a dry run.
    const unnamed = await layoutOf("noname", [undefined, undefined]);
    const warning = `warning: oci:${unnamed.dir} has 2 images without org.opencontainers.image.ref.name: not synced\n`;
    for (const extra of [[], ["--dry-run"]]) {
      const run = await syncTo(`oci:${unnamed.dir}`, `${dst.host}/oci/noname`, ...extra);
      expect([run.code, run.stderr]).toEqual([0, warning]);
    }
    const json = await syncTo(`oci:${unnamed.dir}`, `${dst.host}/oci/noname`, "--json");
    expect(JSON.parse(json.stdout).warnings).toEqual([warning.slice("warning: ".length, -1)]);

    // --keep-going with an image missing a blob: its failed line is printed, the other image copied.
    const miss = await layoutOf("miss", ["bad", "good"]);
    const manifest = JSON.parse(
      readFileSync(join(miss.dir, "blobs/sha256", miss.digests[0]!.slice(7)), "utf8"),
    ) as { layers: { digest: string }[] };
    const layer = manifest.layers[0]!.digest;
    rmSync(join(miss.dir, "blobs/sha256", layer.slice(7)));
    const kept = await syncTo(`oci:${miss.dir}`, `${dst.host}/oci/miss`, "--keep-going");
    expect(kept.code).toBe(3); // its class: a blob not found, as without --keep-going
    expect(kept.stderr).toContain(`failed oci:${miss.dir}:bad: ${miss.dir} does not hold blob ${layer}`);
    expect(kept.stderr).toContain(`copied oci:${miss.dir}:good -> ${dst.host}/oci/miss:good`);
    expect(kept.stderr).toContain("regatta: 1 of 2 images failed (listed above)");

    // --json: the failure is still listed on stderr, above the line that says so; the document counts it.
    const keptJson = await syncTo(`oci:${miss.dir}`, `${dst.host}/oci/miss-json`, "--keep-going", "--json");
    expect(keptJson.code).toBe(3);
    expect(keptJson.stderr).toBe(
      `failed oci:${miss.dir}:bad: ${miss.dir} does not hold blob ${layer}\nregatta: 1 of 2 images failed (listed above)\n`,
    );
    expect(JSON.parse(keptJson.stdout)).toMatchObject({ copied: 1, failed: 1 });
    // Without --keep-going the run stops at the failure (the plan finds this one), and --json still says what was
    // done (nothing) and why it stopped.
    const stopped = await syncTo(`oci:${miss.dir}`, `${dst.host}/oci/miss-stop`, "--json");
    expect(stopped.code).toBe(3); // the failure's own: a blob not found
    const partial = JSON.parse(stopped.stdout);
    expect(partial.error.message).toContain(`does not hold blob ${layer}`);
    expect(partial).toMatchObject({ copied: 0, skipped: 0, failed: 0, images: [] });
  }, 120_000);

  it("one image failing stops the run alone: the others are copied or interrupted, never failed with its error", async () => {
    // src/broken: 1.1.0 lacks a layer at the source (deleted); 1.0.0 and latest have large layers of their own, in
    // flight when 1.1.0 fails.
    const small = await generateImage({ layers: [700], seed: "broken-1.1.0" });
    await pushImage(src.url, "src/broken", "1.1.0", small);
    for (const tag of ["1.0.0", "latest"]) {
      await pushImage(
        src.url,
        "src/broken",
        tag,
        await generateImage({ layers: [3_000_000, 3_000_000], seed: `broken-${tag}` }),
      );
    }
    const gone = small.layers[0]!.digest;
    const deleted = await fetch(`${src.url}/v2/src/broken/blobs/${gone}`, { method: "DELETE" });
    expect(deleted.status).toBe(202);
    const failedLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("failed "));

    const stopped = await syncTo(`${src.host}/src/broken`, `${dst.host}/stop/broken`, "--json");
    expect(stopped.code).toBe(3); // the failure's own: a blob not found
    const doc = JSON.parse(stopped.stdout);
    expect(doc.failed).toBe(1);
    expect(doc.images.filter((i: { outcome: string }) => i.outcome === "failed")).toEqual([
      expect.objectContaining({ source: `${src.host}/src/broken:1.1.0` }),
    ]);
    expect(doc.images.find((i: { outcome: string }) => i.outcome === "failed").error).toContain(gone);
    // The others: copied when done before the stop, else counted as interrupted (not failed).
    expect(doc.copied + doc.interrupted).toBe(2);
    expect(failedLines(stopped.stderr)).toEqual([
      expect.stringMatching(/^failed \S+\/src\/broken:1\.1\.0: /),
    ]);

    const text = await syncTo(`${src.host}/src/broken`, `${dst.host}/stop2/broken`);
    expect(text.code).toBe(3);
    expect(failedLines(text.stderr)).toEqual([expect.stringMatching(/^failed \S+\/src\/broken:1\.1\.0: /)]);
    expect(text.stderr).not.toMatch(/:(1\.0\.0|latest): .*MANIFEST_BLOB_UNKNOWN/);
    const copiedLines = text.stderr.split("\n").filter((l) => l.startsWith("copied ")).length;
    if (copiedLines < 2) {
      expect(text.stderr).toContain(
        `not done: ${2 - copiedLines} image${copiedLines === 1 ? "" : "s"} to copy (stopped after ${src.host}/src/broken:1.1.0 failed;`,
      );
    }

    // --keep-going: the same failure, the same exit status (its class: not found), the others copied.
    const kept = await syncTo(`${src.host}/src/broken`, `${dst.host}/keep/broken`, "--keep-going", "--json");
    expect(kept.code).toBe(3);
    expect(JSON.parse(kept.stdout)).toMatchObject({ copied: 2, failed: 1 });
  }, 120_000);

  it("a dry run with --keep-going counts and exits as the run would: a missing repository and tag are failures", async () => {
    await pushImage(src.url, "src/lib", "1.0", await generateImage({ layers: [300], seed: "dry-lib" }));
    const file = join(work, "dry-fail.yaml");
    writeFileSync(
      file,
      `${src.host}:\n  images:\n    src/nope: []\n    src/lib: []\n    src/app: [9.9.9, 1.0.0]\n`,
    );
    const args = ["sync", "--config", file, `${dst.host}/dry`, ...DEST, "--keep-going"];
    const dry = await regatta([...args, "--dry-run"]);
    const dryJson = await regatta([...args, "--dry-run", "--json"]);
    const real = await regatta(args);
    expect(real.stderr).toContain("regatta: 2 of ");
    expect(real.code).toBe(3); // both failures are "not there"
    expect(dry.code).toBe(real.code);
    expect(dry.stdout).toContain(", 2 failed\n");
    expect(dry.stderr).toMatch(/regatta: dry run: 2 of \d+ images would fail \(listed above\)/);
    expect(dryJson.code).toBe(real.code);
    expect(JSON.parse(dryJson.stdout).totals.images.failed).toBe(2);
  }, 60_000);

  it("resume: killed with SIGKILL half-way, run again, only the rest is done and the end state is whole", async () => {
    const args = [
      "sync",
      `${src.host}/src/big`,
      `${dst.host}/resume/big`,
      ...DEST,
      "--jobs",
      "1",
      "--blob-jobs",
      "1",
    ];
    const bin = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: work },
    });
    let stderr = "";
    await new Promise<void>((resolve) => {
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString("utf8");
        // Two images done: kill it, whatever it is doing.
        if ((stderr.match(/^copied /gm) ?? []).length >= 2) child.kill("SIGKILL");
      });
      child.on("close", () => resolve());
    });
    expect(child.signalCode).toBe("SIGKILL");
    const before = await digests(dst.host, "resume/big", AUTH);
    const done = Object.keys(before).length;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(16);

    const rerun = await regatta([...args, "--json"]);
    expect(rerun.code).toBe(0);
    const summary = JSON.parse(rerun.stdout);
    expect(summary).toMatchObject({ copied: 16 - done, skipped: done, failed: 0 });
    // Only the missing images' blobs were planned and sent (each image has its own layer and config).
    expect(summary.blobs.uploaded).toBeLessThanOrEqual(2 * (16 - done));
    expect(await digests(dst.host, "resume/big", AUTH)).toEqual(seeded["src/big"]);
    // Whole, not just tagged: every tag's blobs are there.
    const reg = createClient(dst.host, AUTH);
    try {
      for (const tag of Object.keys(seeded["src/big"]!)) {
        const m = await reg.manifest(`${dst.host}/resume/big:${tag}`);
        const image = m.manifest as { config: { digest: string }; layers: { digest: string }[] };
        for (const d of [image.config.digest, ...image.layers.map((l) => l.digest)]) {
          expect(await reg.hasBlob(`${dst.host}/resume/big`, d)).toBe(true);
        }
      }
    } finally {
      await reg.close();
    }
  });

  it("shards: 3 processes on disjoint shards (one from JOB_COMPLETION_INDEX) did every image once", async () => {
    const config = join(work, "shards.yaml");
    const repos = ["src/app", "src/tools", "src/base", "src/extra"];
    writeFileSync(
      config,
      `creds:\n  - {registry: "${dst.host}", user: regatta, pass: regatta-secret}\nsync:\n${repos
        .map((r) => `  - {source: "${src.host}/${r}", target: "${dst.host}/shard/${r.split("/")[1]}"}\n`)
        .join("")}`,
    );
    const runs = await Promise.all([
      regatta(["sync", "--config", config, "--shard", "0/3", "--json"]),
      regatta(["sync", "--config", config, "--shard", "1/3", "--json"]),
      regatta(["sync", "--config", config, "--json"], {
        env: { JOB_COMPLETION_INDEX: "2", JOB_COMPLETIONS: "3" },
      }),
    ]);
    expect(runs.map((r) => [r.code, r.stderr])).toEqual([
      [0, ""],
      [0, ""],
      [0, ""],
    ]);
    const summaries = runs.map((r) => JSON.parse(r.stdout));
    expect(summaries.map((s) => s.shard)).toEqual([
      { index: 0, count: 3 },
      { index: 1, count: 3 },
      { index: 2, count: 3 },
    ]);
    const copied = summaries.flatMap((s) =>
      s.images
        .filter((i: { outcome: string }) => i.outcome === "copied")
        .map((i: { source: string }) => i.source),
    );
    const expected = repos.flatMap((r) => Object.keys(seeded[r]!).map((t) => `${src.host}/${r}:${t}`));
    // Every image once: no two workers copied the same one, and none was left out.
    expect(copied.sort()).toEqual(expected.sort());
    for (const r of repos) {
      expect(await digests(dst.host, `shard/${r.split("/")[1]}`, AUTH)).toEqual(seeded[r]);
    }
  });

  it("ratelimit: a registry without RateLimit headers says so, in text and JSON", async () => {
    const text = await regatta(["ratelimit", `${src.host}/src/app:latest`]);
    expect([text.code, text.stdout]).toEqual([
      0,
      `${src.host} announces no pull quota (no RateLimit headers)\n`,
    ]);
    const json = await regatta(["ratelimit", `${src.host}/src/app:latest`, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({
      registry: src.host,
      reference: `${src.host}/src/app:latest`,
      set: false,
    });
  });
});
