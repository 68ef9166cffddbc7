/**
 * Issue 13 in the REPL: `await reg.referrers("repo:tag")` prints as a tree, and `inspect` says how many referrers an
 * image has — through the session's clients, against fake registries with and without the referrers API.
 */
import {
  createMswDispatcher,
  distributionHandlers,
  fakeRepository,
  generateImage,
  oci11Handlers,
  type RegistryHandlers,
} from "@regatta/testkit";
import pc from "picocolors";
import { afterEach, describe, expect, it } from "vitest";
import { present } from "./present.js";
import { ReplSession } from "./session.js";

const HOST = "localhost:5000";
const plain = pc.createColors(false);
const show = (value: unknown) => present(value, { colors: plain, useColors: false, width: 100 });
const open: ReplSession[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function signedImage(
  handlers: (repos: Parameters<typeof distributionHandlers>[0]) => RegistryHandlers,
) {
  const image = await generateImage({ seed: "referrers-view" });
  const s = new ReplSession(
    HOST,
    {
      dispatcher: createMswDispatcher(
        handlers({ host: HOST, repos: { "team/api": fakeRepository({ "1.0": image }) } }),
      ),
    },
    false,
    () => {},
  );
  open.push(s);
  const reg = s.open();
  const signature = await reg.pushArtifact("team/api:sig", {
    artifactType: "application/vnd.dev.cosign.simplesigning.v1+json",
    files: [{ bytes: '{"critical":{}}', title: "signature.json" }],
    subject: "team/api:1.0",
  });
  await reg.pushArtifact("team/api:sbom", {
    artifactType: "application/spdx+json",
    files: [{ bytes: "{}", title: "sbom.spdx.json" }],
    subject: "team/api:1.0",
  });
  await reg.pushArtifact("team/api:sig-of-sig", {
    artifactType: "application/vnd.example.countersign",
    files: [{ bytes: "x", title: "counter.sig" }],
    subject: `team/api@${signature.digest}`,
  });
  return { reg, session: s, signature };
}

describe.each([
  ["with the referrers API", oci11Handlers, "from the referrers API"],
  ["without it (the fallback tag)", distributionHandlers, "from the fallback tag"],
])("the REPL's referrers %s", (_, handlers, from) => {
  it("inspect counts an image's referrers, also through with()", async () => {
    const { reg, session } = await signedImage(handlers);
    const summary = await reg.inspect("team/api:1.0");
    expect(summary.referrers).toBe(2);
    expect(show(summary)).toMatch(
      /referrers: {2}2 {2}await reg\.referrers\("localhost:5000\/team\/api@sha256:[0-9a-f]{64}"\) lists them/,
    );
    session.platform = "linux/amd64";
    expect(
      (await session.open().with({ signal: new AbortController().signal }).inspect("team/api:1.0")).referrers,
    ).toBe(2);
    // A script's client counts nothing unless asked.
    expect((await reg.inspect("team/api:1.0", { referrers: false })).referrers).toBeUndefined();
  });

  it("referrerTree prints as a tree: signature → its counter-signature, and the SBOM", async () => {
    const { reg, signature } = await signedImage(handlers);
    const lines = show(await reg.referrerTree("team/api:1.0")).split("\n");
    expect(lines[0]).toMatch(
      new RegExp(`^localhost:5000/team/api:1.0@sha256:[0-9a-f]{64} 2 referrers, ${from}`),
    );
    const tree = lines.slice(2);
    const sig = tree.findIndex((l) => l.includes(signature.digest.slice(0, 19)));
    expect(tree[sig]).toMatch(
      /^ {2}[├└]── sha256:[0-9a-f]{12} {2}application\/vnd\.dev\.cosign\.simplesigning\.v1\+json {2}\d+ B$/,
    );
    // The counter-signature hangs under the signature, one level in (│ when the signature's branch goes on).
    expect(tree[sig + 1]).toMatch(
      /^ {2}[│ ] {3}└── sha256:[0-9a-f]{12} {2}application\/vnd\.example\.countersign/,
    );
    expect(tree.filter((l) => /^ {2}[├└]── /.test(l))).toHaveLength(2);
    expect(tree.at(-1)).toMatch(/^ {2}[│ ]? *└── /);
    expect(tree.join("\n")).toMatch(/[├└]── sha256:[0-9a-f]{12} {2}application\/spdx\+json/);
    expect(show(await reg.referrers("team/api:1.0")).split("\n")).toHaveLength(4);
  });
});
