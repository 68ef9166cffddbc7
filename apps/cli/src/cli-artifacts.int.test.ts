/**
 * The artifact commands through the built CLI against the REAL distribution 2.8 (issue 13), which has no referrers
 * API: attach and artifact push --subject keep the sha256-<hex> fallback index, referrers lists it, artifact pull
 * writes the files back.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("regatta attach / artifact / referrers against distribution 2.8", () => {
  const open = useRegistry("none");
  const second = useRegistry("none");
  let work: string;
  let image: Awaited<ReturnType<typeof generateImage>>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "regatta-artifacts-"));
    image = await generateImage({ seed: "cli-artifacts" });
    await pushImage(open.url, "sc/cli", "1.0", image);
  }, 60_000);

  it("attaches an SBOM and a signature, lists them, filters them, pulls the SBOM back", async () => {
    const sbom = join(work, "sbom.spdx.json");
    writeFileSync(sbom, '{"spdxVersion":"SPDX-2.3"}');
    const sig = join(work, "app.sig");
    writeFileSync(sig, "signature");
    const subject = `${open.host}/sc/cli:1.0`;

    const attached = await regatta([
      "attach",
      subject,
      "--artifact-type",
      "application/spdx+json",
      `${sbom}:application/spdx+json`,
    ]);
    expect(attached.stderr).toContain("fallback tag sha256-");
    expect(attached.code).toBe(0);
    const sbomDigest = attached.stdout.trim();
    expect(sbomDigest).toMatch(/^sha256:[a-f0-9]{64}$/);

    const pushed = await regatta([
      "artifact",
      "push",
      `${open.host}/sc/cli`,
      sig,
      "--artifact-type",
      "application/vnd.example.sig",
      "--subject",
      subject,
      "--annotation",
      "signer=ci",
      "--json",
    ]);
    expect(pushed.code).toBe(0);
    const sigResult = JSON.parse(pushed.stdout);
    expect(sigResult.referrers).toBe("fallback-tag");

    const listed = await regatta(["referrers", subject]);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain("no referrers API");
    expect(listed.stdout.trim().split("\n").sort()).toEqual(
      [
        `${sbomDigest}  application/spdx+json  referrers-tag`,
        `${sigResult.digest}  application/vnd.example.sig  referrers-tag`,
      ].sort(),
    );
    const filtered = await regatta([
      "referrers",
      subject,
      "--artifact-type",
      "application/vnd.example.sig",
      "--json",
    ]);
    const json = JSON.parse(filtered.stdout);
    expect(json.api).toBe(false);
    expect(json.referrers.map((r: { digest: string }) => r.digest)).toEqual([sigResult.digest]);
    expect(json.referrers[0].annotations).toEqual({ signer: "ci" });

    const out = join(work, "pulled");
    const pulled = await regatta(["artifact", "pull", `${open.host}/sc/cli@${sbomDigest}`, "-o", out]);
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toBe(`${join(out, "sbom.spdx.json")}\n`);
    expect(readFileSync(join(out, "sbom.spdx.json"), "utf8")).toBe('{"spdxVersion":"SPDX-2.3"}');
  });

  /** sc/REPO:1.0, an SBOM attached to it and a signature attached to the SBOM, through the CLI. */
  async function sbomAndItsSignature(repo: string, content: string) {
    const subject = `${open.host}/sc/${repo}:1.0`;
    await pushImage(open.url, `sc/${repo}`, "1.0", image);
    const file = join(work, `${repo}.txt`);
    writeFileSync(file, content);
    const sbom = await regatta(["attach", subject, "--artifact-type", "application/spdx+json", file]);
    expect(sbom.code).toBe(0);
    const sbomDigest = sbom.stdout.trim();
    const sig = await regatta([
      "attach",
      `${open.host}/sc/${repo}@${sbomDigest}`,
      "--artifact-type",
      "application/x-sig",
      file,
    ]);
    expect(sig.code).toBe(0);
    return { subject, sbomDigest, sigDigest: sig.stdout.trim() };
  }

  it("--tree shows a signature of an SBOM under the SBOM", async () => {
    const { subject, sbomDigest, sigDigest } = await sbomAndItsSignature("tree", "x");
    const tree = await regatta(["referrers", subject, "--tree", "--no-cosign"]);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toBe(
      `${image.manifest.digest}\n` +
        `└── ${sbomDigest}  application/spdx+json  referrers-tag\n` +
        `    └── ${sigDigest}  application/x-sig  referrers-tag\n`,
    );
  });

  it("copy --referrers carries an SBOM and its signature to a second registry, where its fallback tag lists them", async () => {
    const { subject, sbomDigest, sigDigest } = await sbomAndItsSignature("carry", "carried");

    const target = `${second.host}/mirror/carry:1.0`;
    const refused = await regatta(["copy", subject, target, "--referrers", "--platform", "linux/amd64"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("unchanged");

    const copied = await regatta(["copy", subject, target, "--referrers", "--json"]);
    expect(copied.code).toBe(0);
    const result = JSON.parse(copied.stdout);
    expect(result.referrers.targetApi).toBe(false);
    expect(result.referrers.list.map((r: { digest: string }) => r.digest).sort()).toEqual(
      [sbomDigest, sigDigest].sort(),
    );
    const tree = await regatta(["referrers", target, "--tree", "--no-cosign"]);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toBe(
      `${image.manifest.digest}\n` +
        `└── ${sbomDigest}  application/spdx+json  referrers-tag\n` +
        `    └── ${sigDigest}  application/x-sig  referrers-tag\n`,
    );
    // Without --referrers only the image moves.
    const plain = await regatta(["copy", subject, `${second.host}/mirror/plain:1.0`]);
    expect(plain.code).toBe(0);
    const none = await regatta(["referrers", `${second.host}/mirror/plain:1.0`, "--no-cosign"]);
    expect(none.stdout).toBe("");
  });

  it("refuses a bad --annotation before any request (exit 2)", async () => {
    const result = await regatta([
      "attach",
      `${open.host}/sc/cli:1.0`,
      "--artifact-type",
      "application/x",
      "--annotation",
      "novalue",
      join(work, "nothing"),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("KEY=VALUE");
  });

  it.each([["artifact", "push"], ["attach"]])(
    "%s: - is refused, not read as a file named -; a missing file is bad input (exit 2), nothing pushed",
    async (...command) => {
      const target = command[0] === "attach" ? `${open.host}/sc/cli:1.0` : `${open.host}/sc/dash:1`;
      // Was: "no such file or directory: reading -", exit 1 (and with a file named - in the working directory, that
      // file pushed while stdin held the content meant).
      const dash = await regatta([...command, target, "-", "--artifact-type", "x/y"], { input: "hi\n" });
      expect([dash.code, dash.stdout]).toEqual([2, ""]);
      expect(dash.stderr).toMatch(
        /^regatta: an artifact's files are named by their file names, and stdin has none/,
      );
      const missing = join(work, "no-such-file.md");
      const absent = await regatta([...command, target, missing, "--artifact-type", "x/y"]);
      expect([absent.code, absent.stdout]).toEqual([2, ""]);
      expect(absent.stderr).toBe(`regatta: cannot read ${missing}: no such file\n`);
      const tags = await regatta(["tags", `${open.host}/sc/dash`]);
      expect(tags.code).toBe(3);
    },
  );
});
