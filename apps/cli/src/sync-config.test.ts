/**
 * `regatta sync --config`: skopeo sync's YAML and the regsync-like `sync:` list read into jobs and per-registry
 * settings; every mistake a UsageError of one line naming the file, the line and the key, never a stack.
 */
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { parseSyncConfig } from "./sync-config.js";

const SKOPEO = `
docker.io:
  images:
    library/busybox: []
    library/redis:
      - "7.2"
      - 6.0
  images-by-tag-regex:
    library/nginx: ^1\\.2[0-9]\\.
  images-by-semver:
    library/alpine: ">= 3.19.0"
  credentials:
    username: john
    password: this is a secret
quay.io:
  tls-verify: false
  images:
    coreos/etcd:
      - latest
`;

describe("skopeo sync's format", () => {
  it("reads images, regex and semver sections, credentials and tls-verify; the target is DEST/<name>", async () => {
    const config = await parseSyncConfig(SKOPEO, "sync.yaml", { destination: "localhost:5000/mirror/" });
    expect(config.format).toBe("skopeo");
    expect(config.jobs).toEqual([
      { source: "docker.io/library/busybox", target: "localhost:5000/mirror/busybox" },
      {
        source: "docker.io/library/redis",
        target: "localhost:5000/mirror/redis",
        tags: { list: ["7.2", "6.0"] },
      },
      {
        source: "docker.io/library/nginx",
        target: "localhost:5000/mirror/nginx",
        // Unanchored as in skopeo (Go's MatchString), as a whole-tag RE2 pattern.
        tags: { include: [".*(?:^1\\.2[0-9]\\.).*"] },
      },
      {
        source: "docker.io/library/alpine",
        target: "localhost:5000/mirror/alpine",
        tags: { semver: ">= 3.19.0" },
      },
      { source: "quay.io/coreos/etcd", target: "localhost:5000/mirror/etcd", tags: { list: ["latest"] } },
    ]);
    expect(config.hosts).toEqual({
      "docker.io": { username: "john", password: "this is a secret" },
    });
    // skopeo's tls-verify: false: docker's insecure registries (https unverified, else plain http), not a pinned https.
    expect(config.insecure).toEqual(["quay.io"]);
  });

  it("a digest in images is that image, by digest (skopeo reads an entry as a digest first), beside the tags", async () => {
    const digest = `sha256:${"b".repeat(64)}`;
    const config = await parseSyncConfig(
      `docker.io:\n  images:\n    library/redis: ["7.2", "${digest}"]\n    team/app: ["${digest}"]\n`,
      "sync.yaml",
      { destination: "localhost:5000/mirror" },
    );
    expect(config.jobs).toEqual([
      { source: `docker.io/library/redis@${digest}`, target: "localhost:5000/mirror/redis" },
      { source: "docker.io/library/redis", target: "localhost:5000/mirror/redis", tags: { list: ["7.2"] } },
      // Only a digest: not every tag of team/app.
      { source: `docker.io/team/app@${digest}`, target: "localhost:5000/mirror/app" },
    ]);
  });

  it("credentials YAML reads as numbers or booleans are sent as written, in both formats (skopeo keeps the text)", async () => {
    const skopeo = await parseSyncConfig(
      "r.example:\n  credentials:\n    username: 0012345\n    password: 0777\n  images:\n    a: []\nq.example:\n  credentials:\n    username: true\n    password: 0x1F2E3D\n  images:\n    b: []\ns.example:\n  credentials:\n    username: u\n    password: 12345678901234567890\n  images:\n    c: []\n",
      "s.yaml",
      { destination: "localhost:5000" },
    );
    expect(skopeo.hosts).toEqual({
      "r.example": { username: "0012345", password: "0777" },
      "q.example": { username: "true", password: "0x1F2E3D" },
      "s.example": { username: "u", password: "12345678901234567890" },
    });
    const regsync = await parseSyncConfig(
      "creds:\n  - registry: localhost:5001\n    user: 1e3\n    pass: .inf\nsync:\n  - source: a.example/x\n    target: localhost:5001/x\n",
      "r.yaml",
    );
    expect(regsync.hosts).toEqual({ "localhost:5001": { username: "1e3", password: ".inf" } });
  });

  it("tls-verify is skopeo's on loopback too: false is an insecure registry (http, or https unverified), true is https verified", async () => {
    const config = await parseSyncConfig(
      "127.0.0.1:5000:\n  tls-verify: false\n  images:\n    team/app: []\nlocalhost:5001:\n  tls-verify: true\n  images:\n    a: []\n",
      "sync.yaml",
      { destination: "127.0.0.1:5002/mirror" },
    );
    expect(config.hosts).toEqual({ "localhost:5001": { tls: "enabled" } });
    expect(config.insecure).toEqual(["127.0.0.1:5000"]);
    expect(config.jobs.map((j) => j.source)).toEqual(["127.0.0.1:5000/team/app", "localhost:5001/a"]);
  });

  it("--scoped keeps the registry and the whole path under DEST", async () => {
    const config = await parseSyncConfig(SKOPEO, "sync.yaml", { destination: "reg.local", scoped: true });
    expect(config.jobs[0]).toEqual({
      source: "docker.io/library/busybox",
      target: "reg.local/docker.io/library/busybox",
    });
  });

  it("without a destination, says the command to run, the file's name quoted for the shell", async () => {
    // Was `regatta sync --config my sync.yaml DESTINATION`: the file as two words.
    await expect(parseSyncConfig(SKOPEO, "my sync.yaml", {})).rejects.toThrow(
      "as in regatta sync --config 'my sync.yaml' DESTINATION",
    );
  });
});

describe("the regsync-like format", () => {
  it("reads sync: entries (repository and image), tags allow/deny/semverRange, platforms and creds", async () => {
    const config = await parseSyncConfig(
      `
version: 1
creds:
  - registry: localhost:5001
    user: ci
    pass: secret
    tls: disabled
sync:
  - source: docker.io/library/alpine
    target: localhost:5001/mirror/alpine
    type: repository
    tags:
      allow: ["3\\\\.\\\\d+", latest]
      deny: [".*-rc.*"]
      semverRange: [">=3.19 <4", "^5"]
    platforms: [linux/amd64, linux/arm64]
  - source: docker.io/library/busybox:1.36
    target: localhost:5001/mirror/busybox:1.36
    type: image
`,
      "regsync.yaml",
    );
    expect(config.format).toBe("regsync");
    expect(config.jobs).toEqual([
      {
        source: "docker.io/library/alpine",
        target: "localhost:5001/mirror/alpine",
        tags: { include: ["3\\.\\d+", "latest"], exclude: [".*-rc.*"], semver: ">=3.19 <4 || ^5" },
        platforms: ["linux/amd64", "linux/arm64"],
      },
      { source: "docker.io/library/busybox:1.36", target: "localhost:5001/mirror/busybox" },
    ]);
    expect(config.hosts).toEqual({
      "localhost:5001": { username: "ci", password: "secret", tls: "disabled" },
    });
  });

  it("defaults: platforms go to the entries that set none, as regsync's syncSetDefaults", async () => {
    const config = await parseSyncConfig(
      `
version: 1
defaults:
  platforms: [linux/arm64]
sync:
  - {source: a/b, target: c/b}
  - {source: a/d, target: c/d, platforms: [linux/amd64]}
`,
      "regsync.yaml",
    );
    expect(config.jobs).toEqual([
      { source: "a/b", target: "c/b", platforms: ["linux/arm64"] },
      { source: "a/d", target: "c/d", platforms: ["linux/amd64"] },
    ]);
  });
});

describe("bad input", () => {
  it.each([
    ["not YAML", "a: [unclosed", /^bad\.yaml:1: not valid YAML: /],
    [
      "a word no registry takes as a tag",
      "docker.io:\n  images:\n    a: [1.0, .5]\n",
      /^bad\.yaml:3: docker\.io\.images\.a: "\.5" is not a tag/,
    ],
    ["a list at the top", "- a\n- b\n", /^bad\.yaml: a sync config is a YAML mapping/],
    [
      "skopeo without a destination",
      "docker.io:\n  images:\n    a: []\n",
      /skopeo sync's format, which names no target/,
    ],
    [
      "an unknown registry key",
      "docker.io:\n  imagez: {}\n",
      /^bad\.yaml:2: docker\.io: unknown key imagez \(known: images, /,
    ],
    [
      "tags that are no list",
      "docker.io:\n  images:\n    a: latest\n",
      /^bad\.yaml:3: docker\.io\.images\.a must be a list of tags/,
    ],
    [
      "a digest that is not one",
      'docker.io:\n  images:\n    a: ["sha256:abc"]\n',
      /^bad\.yaml:3: docker\.io\.images\.a: "sha256:abc" is not a digest \(algorithm:hex, as sha256:…\)$/,
    ],
    [
      "a digest written with an @",
      `docker.io:\n  images:\n    a: ["@sha256:${"a".repeat(64)}"]\n`,
      /is not a digest \(algorithm:hex, as sha256:…; without the @\)$/,
    ],
    [
      "a bad regex",
      'docker.io:\n  images-by-tag-regex:\n    a: "(x"\n',
      /^bad\.yaml:3: docker\.io\.images-by-tag-regex\.a: "\(x" is not a regular expression/,
    ],
    [
      // Was the client's '"not a range" is not a semver range', with no file or line (QA).
      "a semver range that is not one",
      'docker.io:\n  images-by-semver:\n    a: "not a range"\n',
      /^bad\.yaml:3: docker\.io\.images-by-semver\.a: "not a range" is not a semver range/,
    ],
    [
      "a regsync semverRange that is not one",
      'sync:\n  - source: a/b\n    target: c/d\n    tags:\n      semverRange: [">=1", "~~x"]\n',
      /^bad\.yaml:5: sync\[0\]\.tags\.semverRange\[1\]: "~~x" is not a semver range/,
    ],
    [
      "tls-verify not a boolean",
      "docker.io:\n  tls-verify: maybe\n",
      /docker\.io\.tls-verify must be true or false/,
    ],
    ["an empty sync list", "sync: []\n", /^bad\.yaml:1: sync must be a list of \{source, target\}/],
    [
      "a sync entry without target",
      "sync:\n  - source: a/b\n",
      /^bad\.yaml:2: sync\[0\]\.target must be a string/,
    ],
    [
      "an unknown type",
      "sync:\n  - {source: a/b, target: c/d, type: registry}\n",
      /sync\[0\]\.type must be repository or image/,
    ],
    [
      "an image that renames its tag",
      "sync:\n  - {source: 'a/b:1', target: 'c/d:2', type: image}\n",
      /sync keeps tag names; 1 cannot become 2/,
    ],
    [
      "bad tls in creds",
      "creds:\n  - {registry: r, tls: maybe}\nsync:\n  - {source: a/b, target: c/d}\n",
      /creds\[0\]\.tls must be enabled, insecure or disabled/,
    ],
    [
      "a regsync default regatta does not do (dropping it would copy without signatures)",
      "defaults:\n  referrers: true\nsync:\n  - {source: a/b, target: c/d}\n",
      /^bad\.yaml:2: defaults: unknown key referrers \(known: platforms\)/,
    ],
    [
      "an unknown default",
      "defaults:\n  platforms: [linux/arm64]\n  bogus: 3\nsync:\n  - {source: a/b, target: c/d}\n",
      /^bad\.yaml:2: defaults: unknown key bogus/,
    ],
    [
      "defaults that are no mapping",
      "defaults: [a]\nsync:\n  - {source: a/b, target: c/d}\n",
      /^bad\.yaml:1: defaults must be a mapping/,
    ],
    [
      "a regsync version above 1",
      "version: 99\nsync:\n  - {source: a/b, target: c/d}\n",
      /^bad\.yaml:1: version must be 1/,
    ],
    [
      "an allow pattern RE2 cannot run (a lookahead)",
      "sync:\n  - source: a/b\n    target: c/d\n    tags:\n      allow: [v1, 'v(?=2)']\n",
      /^bad\.yaml:5: sync\[0\]\.tags\.allow\[1\]: "v\(\?=2\)" is not a regular expression in RE2's syntax .*: error parsing regexp: invalid or unsupported Perl syntax/,
    ],
    [
      "an unknown top-level key",
      "sync:\n  - {source: a/b, target: c/d}\nextra: 1\n",
      /the top level: unknown key extra/,
    ],
  ])("%s", async (_what, text, message) => {
    const error = await parseSyncConfig(text, "bad.yaml", { destination: "" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("quotes a config file name with control characters in its errors", async () => {
    const file = "bad\x1b[31m\nregatta: forged.yaml";
    for (const text of ["a: [unclosed", "- a\n", "docker.io:\n  imagez: {}\n"]) {
      const error = await parseSyncConfig(text, file, { destination: "" }).catch((e: unknown) => e);
      expect((error as Error).message.startsWith(`${JSON.stringify(file)}`)).toBe(true);
      expect((error as Error).message).not.toMatch(/[\x1b\n]/);
    }
  });
});
