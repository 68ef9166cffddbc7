/**
 * Issue 12 through the built CLI against a real registry: `inspect` shows what an image runs, `inspect` and `config`
 * take `--format TEMPLATE` (a bad template is exit 2 before any request), and `--platform` on a single image is said
 * on stderr, or refused when the image is of another platform.
 */

import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateImage, generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("inspect, config and --format against a real registry", () => {
  const registry = useRegistry("none");
  let host: string;

  beforeAll(async () => {
    host = registry.host;
    const amd = await generateImage({
      layers: [512, 512],
      labels: { "org.opencontainers.image.version": "3.20.1", maintainer: "me" },
      seed: "inspect",
    });
    await pushImage(registry.url, "cli/single", "1", amd);
    const index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64/v8"],
      layers: [64],
      seed: "ix",
    });
    await pushImage(registry.url, "cli/multi", "1", index);
  }, 60_000);

  it("the human summary keeps each value a registry chose on its line: a platform's and a label's newline, tab, ESC escaped", async () => {
    const planted = await generateImage({
      layers: [64],
      platform: { os: "linux", architecture: "amd64\n  Forged: yes" },
      labels: { "k\x1b[31m": "v\n  signed.by=release-team@corp\tx" },
      seed: "fields",
    });
    await pushImage(registry.url, "cli/fields", "1", planted);
    const { stdout, code } = await regatta(["inspect", `${host}/cli/fields:1`]);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/\n\s*(Forged|signed\.by)/);
    expect(stdout).not.toContain("\t");
    expect(stdout).toMatch(/^Platform: +linux\/amd64\\u000a {2}Forged: yes$/m);
    expect(stdout).toContain("  k\\u001b[31m=v\\u000a  signed.by=release-team@corp\\u0009x");
  });

  it("--format escapes every ESC a registry value carries, a whole style too; tab and newline as written", async () => {
    const planted = await generateImage({ layers: [64], labels: { ctl: "x\x1b[31my\tz" }, seed: "ctl" });
    await pushImage(registry.url, "cli/ctl", "1", planted);
    const whole = await regatta([
      "config",
      `${host}/cli/ctl:1`,
      "--format",
      '{{index .Config.Labels "ctl"}}',
    ]);
    // Was raw: ESC[31m passed the output boundary as one of Regatta's own styles (a cut ESC[3 was escaped).
    expect(whole.stdout).toBe("x\\u001b[31my\tz\n");
    const cut = await regatta([
      "config",
      `${host}/cli/ctl:1`,
      "--format",
      '{{slice (index .Config.Labels "ctl") 0 4}}',
    ]);
    expect(cut.stdout).toBe("x\\u001b[3\n");
  });

  it("inspect shows what the image runs, for people and in --json", async () => {
    const human = await regatta(["inspect", `${host}/cli/single:1`]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("Platform:   linux/amd64\n");
    expect(human.stdout).toContain('Cmd:        ["/bin/sh"]\n');
    expect(human.stdout).toContain("History:    2 steps\n");
    expect(human.stdout).toContain(
      "\nEnv:\n  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n",
    );
    expect(human.stdout).toContain("  org.opencontainers.image.version=3.20.1");
    const json = JSON.parse((await regatta(["inspect", `${host}/cli/single:1`, "--json"])).stdout);
    expect(json).toMatchObject({
      platform: "linux/amd64",
      cmd: ["/bin/sh"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      historyLength: 2,
      labels: { maintainer: "me" },
    });
  });

  it("inspect --referrers counts what refers to the image (the fallback tag on distribution 2.8); plain inspect does not", async () => {
    const before = await regatta(["inspect", `${host}/cli/single:1`, "--referrers"]);
    expect(before.stdout).toContain("Referrers:  0\n");
    const sbom = join(await mkdtemp(join(tmpdir(), "regatta-inspect-")), "sbom.spdx.json");
    await writeFile(sbom, "{}");
    const attach = await regatta([
      "attach",
      `${host}/cli/single:1`,
      "--artifact-type",
      "application/spdx+json",
      sbom,
    ]);
    expect(attach.stderr).toMatch(/^no referrers API: listed in the fallback/);
    expect(attach.code).toBe(0);
    const after = await regatta(["inspect", `${host}/cli/single:1`, "--referrers"]);
    expect(after.stdout).toContain("Referrers:  1\n");
    const json = JSON.parse(
      (await regatta(["inspect", `${host}/cli/single:1`, "--referrers", "--json"])).stdout,
    );
    expect(json.referrers).toBe(1);
    expect((await regatta(["inspect", `${host}/cli/single:1`])).stdout).not.toContain("Referrers:");
    const templated = await regatta([
      "inspect",
      `${host}/cli/single:1`,
      "--referrers",
      "--format",
      "{{.Referrers}}",
    ]);
    expect(templated.stdout).toBe("1\n");
  });

  it.each([
    [["inspect", "{{json .Cmd}}"], '["/bin/sh"]\n'],
    [["inspect", '{{index .Labels "org.opencontainers.image.version"}}'], "3.20.1\n"],
    [
      ["inspect", "{{range .Env}}{{.}}\\n{{end}}"],
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n",
    ],
    [["inspect", "{{.Platform}} {{.HistoryLength}} {{len .Layers}}"], "linux/amd64 2 2\n"],
    [["inspect", "json"], undefined],
    // skopeo inspect's own names, so its --format lines work unchanged.
    [
      ["inspect", "{{.Name}} {{.Architecture}}/{{.Os}} {{len .Layers}} {{(index .LayersData 0).Size}}"],
      expect.stringMatching(/^127\.0\.0\.1:\d+\/cli\/single amd64\/linux 2 \d+\n$/),
    ],
    [["inspect", "{{index .Layers 0}}"], expect.stringMatching(/^sha256:[0-9a-f]{64}\n$/)],
    // skopeo's printf, and/or and comparisons (outside QA: "unknown function", exit 2).
    [
      ["inspect", '{{printf "%s-%s" .Os .Architecture}} {{if and .Layers (gt (len .Layers) 1)}}multi{{end}}'],
      "linux-amd64 multi\n",
    ],
    [["config", "{{.Architecture}}/{{.Os}}"], "amd64/linux\n"],
    [["config", "{{.Config.Cmd}}"], "[/bin/sh]\n"],
    [
      ["config", '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{"\\n"}}{{end}}'],
      "maintainer=me\norg.opencontainers.image.version=3.20.1\n",
    ],
  ])("%j", async ([command, template], expected) => {
    const got = await regatta([command as string, `${host}/cli/single:1`, "--format", template as string]);
    expect([got.code, got.stderr]).toEqual([0, ""]);
    if (expected === undefined) expect(JSON.parse(got.stdout)).toMatchObject({ cmd: ["/bin/sh"] });
    else expect(got.stdout).toEqual(expected);
  });

  it("--format on an index reads this host's image, said on stderr; --json still shows the index", async () => {
    const templated = await regatta([
      "inspect",
      `${host}/cli/multi:1`,
      "--format",
      "{{.Platform}} {{.Index}}",
    ]);
    expect(templated.code).toBe(0);
    expect(templated.stdout).toMatch(/^linux\/(amd64|arm64\/v8) sha256:[0-9a-f]{64}\n$/);
    expect(templated.stderr).toMatch(
      /cli\/multi:1 is an index: --format reads its linux\/\S+ image \(this host's\)/,
    );
    const chosen = await regatta([
      "inspect",
      `${host}/cli/multi:1`,
      "--platform",
      "linux/arm64",
      "--format",
      "{{.Platform}}",
    ]);
    expect([chosen.stdout, chosen.stderr]).toEqual(["linux/arm64/v8\n", ""]);
    const json = JSON.parse((await regatta(["inspect", `${host}/cli/multi:1`, "--json"])).stdout);
    expect(json.platforms).toHaveLength(2);
    // docker's spelling reads the same fields as skopeo's.
    const docker = await regatta(["inspect", `${host}/cli/single:1`, "--format", "{{.Config.Cmd}} {{.Cmd}}"]);
    expect(docker.stdout).toBe("[/bin/sh] [/bin/sh]\n");
    const human = await regatta(["inspect", `${host}/cli/multi:1`, "--platform", "linux/arm64"]);
    expect(human.stdout).toMatch(/\nIndex: {6}sha256:[0-9a-f]{64}\n/);
  });

  it("{{.Digest}} is the digest of what the reference names, the index too, as skopeo's; {{.digest}} the image read", async () => {
    const index = JSON.parse((await regatta(["inspect", `${host}/cli/multi:1`, "--json"])).stdout);
    const arm = JSON.parse(
      (await regatta(["inspect", `${host}/cli/multi:1`, "--platform", "linux/arm64", "--json"])).stdout,
    );
    expect(arm.index).toBe(index.digest);
    expect(arm.digest).not.toBe(index.digest);
    const template = "{{.Digest}} {{.digest}} {{.Index}}";
    const picked = await regatta([
      "inspect",
      `${host}/cli/multi:1`,
      "--platform",
      "linux/arm64",
      "--format",
      template,
    ]);
    expect(picked.stdout).toBe(`${index.digest} ${arm.digest} ${index.digest}\n`);
    const hosts = await regatta(["inspect", `${host}/cli/multi:1`, "--format", "{{.Digest}}"]);
    expect(hosts.stdout).toBe(`${index.digest}\n`);
    // A reference to the image itself names the image.
    const byDigest = await regatta(["inspect", `${host}/cli/multi@${arm.digest}`, "--format", "{{.Digest}}"]);
    expect(byDigest.stdout).toBe(`${arm.digest}\n`);
    const single = JSON.parse((await regatta(["inspect", `${host}/cli/single:1`, "--json"])).stdout);
    const plain = await regatta(["inspect", `${host}/cli/single:1`, "--format", "{{.Digest}}"]);
    expect(plain.stdout).toBe(`${single.digest}\n`);
  });

  it("a bad template is exit 2 with one line naming where, before any request", async () => {
    // Port 9 on loopback answers nothing: a request would be exit 5, not 2.
    for (const command of ["inspect", "config"]) {
      const got = await regatta([command, "127.0.0.1:9/cli/single:1", "--format", "{{.Env | nope}}"]);
      expect([got.code, got.stdout, got.stderr]).toEqual([
        2,
        "",
        'regatta: bad template at column 10: unknown function "nope"\n',
      ]);
    }
    const both = await regatta(["inspect", "127.0.0.1:9/cli/single:1", "--format", "{{.}}", "--json"]);
    expect([both.code, both.stderr]).toEqual([
      2,
      "regatta: --format and --json are exclusive (--format json is --json)\n",
    ]);
    const applied = await regatta(["config", `${host}/cli/single:1`, "--format", "{{range .os}}{{end}}"]);
    expect([applied.code, applied.stderr]).toEqual([
      2,
      "regatta: bad template at column 9: cannot range over a string\n",
    ]);
  });

  it("a field the document cannot have is exit 2 naming the field and those it has; one it leaves out prints nothing", async () => {
    const ref = `${host}/cli/single:1`;
    for (const [command, template, where, field] of [
      ["inspect", "{{.Digset}}", "inspect's document", "Digset"],
      ["config", "{{.Nope}}", "the image config", "Nope"],
      ["config", "{{.Config.Nope}}", "the image's config.config", "Nope"],
      ["inspect", "{{range .LayersData}}{{.Sise}}{{end}}", "a LayersData entry", "Sise"],
    ] as const) {
      const got = await regatta([command, ref, "--format", template]);
      expect(got.code, got.stderr).toBe(2);
      expect(got.stdout).toBe("");
      expect(got.stderr).toMatch(
        new RegExp(
          `^regatta: bad template at column \\d+: ${where} has no field "${field}" \\(it has: [^\\n]+\\)\\n$`,
        ),
      );
    }
    const fields = await regatta(["inspect", ref, "--format", "{{.Digset}}"]);
    expect(fields.stderr).toContain("Architecture, ");
    expect(fields.stderr).toContain("RepoTags");
    // Declared, left out by this image (no Entrypoint, no StopSignal, no Volumes): its Go type's zero value, as
    // skopeo's typed fields print; a label that is not there: Go's <no value>. Exit 0.
    const empty = await regatta([
      "inspect",
      ref,
      "--format",
      "[{{.Entrypoint}}][{{.StopSignal}}][{{.Labels.nope}}][{{.Config.Volumes}}]",
    ]);
    expect([empty.code, empty.stdout, empty.stderr]).toEqual([0, "[[]][][<no value>][map[]]\n", ""]);
    const config = await regatta([
      "config",
      ref,
      "--format",
      "[{{.Author}}][{{.Config.Labels.nope}}][{{.Os}}]",
    ]);
    expect([config.code, config.stdout, config.stderr]).toEqual([0, "[][<no value>][linux]\n", ""]);
  });

  it("{{.RepoTags}} lists the repository's tags, as skopeo's; {{.Platforms}} the index's platforms", async () => {
    await regatta(["tag", `${host}/cli/single:1`, "2"]);
    const tags = await regatta(["inspect", `${host}/cli/single:1`, "--format", "{{json .RepoTags}}"]);
    expect([tags.code, tags.stderr]).toEqual([0, ""]);
    const listed = await regatta(["tags", `${host}/cli/single`, "--json"]);
    expect(JSON.parse(tags.stdout)).toEqual(expect.arrayContaining(["1", "2"]));
    expect(JSON.parse(tags.stdout)).toHaveLength(JSON.parse(listed.stdout).tags.length);
    const platforms = await regatta([
      "inspect",
      `${host}/cli/multi:1`,
      "--format",
      "{{range .Platforms}}{{.Platform}} {{end}}|{{len .Platforms}}",
    ]);
    expect(platforms.code, platforms.stderr).toBe(0);
    expect(platforms.stdout).toBe("linux/amd64 linux/arm64/v8 |2\n");
    // A single image is no index: an empty list, as a declared list it leaves out (Go's nil slice).
    const single = await regatta(["inspect", `${host}/cli/single:1`, "--format", "[{{.Platforms}}]"]);
    expect(single.stdout).toBe("[[]]\n");
  });

  describe("--platform on a single image", () => {
    it.each(["manifest", "config", "inspect", "size"])(
      "%s: the same platform is said to be ignored",
      async (command) => {
        const got = await regatta([command, `${host}/cli/single:1`, "--platform", "linux/amd64"]);
        expect(got.code).toBe(0);
        expect(got.stderr).toBe(
          `--platform linux/amd64 ignored: ${host}/cli/single:1 is a single image (linux/amd64)\n`,
        );
      },
    );

    it.each(["manifest", "config", "inspect", "size"])(
      "%s: another platform is refused (exit 3)",
      async (command) => {
        const got = await regatta([command, `${host}/cli/single:1`, "--platform", "linux/arm64"]);
        expect([got.code, got.stdout, got.stderr]).toEqual([
          3,
          "",
          `regatta: ${host}/cli/single:1 is a single image for linux/amd64, not linux/arm64: it has no other platform\n`,
        ]);
      },
    );

    it.each([
      ["cat", ["/nothing"]],
      ["ls", []],
      ["export", ["-o", "rootfs.tar"]],
      ["diff", ["SELF"]],
    ])("%s: another platform is refused (exit 3), nothing written", async (command, rest) => {
      // Were exit 0 on the amd64 image: the readers of an image's files resolved it without the platform check.
      const dir = await mkdtemp(join(tmpdir(), "regatta-platform-"));
      const image = `${host}/cli/single:1`;
      const args = rest.map((a) => (a === "SELF" ? image : a === "rootfs.tar" ? join(dir, a) : a));
      const got = await regatta([command, image, ...args, "--platform", "linux/arm64"]);
      expect([got.code, got.stdout, got.stderr]).toEqual([
        3,
        "",
        `regatta: ${image} is a single image for linux/amd64, not linux/arm64: it has no other platform\n`,
      ]);
      expect(await readdir(dir)).toEqual([]);
    });

    it("an index says nothing: the platform chose its image", async () => {
      const got = await regatta([
        "inspect",
        `${host}/cli/multi:1`,
        "--platform",
        "linux/arm64",
        "--format",
        "{{.Platform}}",
      ]);
      expect([got.code, got.stdout, got.stderr]).toEqual([0, "linux/arm64/v8\n", ""]);
    });
  });
});
