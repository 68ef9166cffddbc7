import { InvalidDigestError, InvalidReferenceError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { parseReference } from "./index.js";

const H64 = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
const H128 = "f".repeat(128);
const D = `sha256:${H64}`;

// [input, full form, familiar form]. Most rows come from distribution/reference's own tests
// (normalize_test.go, reference_test.go), so that docker and Regatta agree on every one.
const valid: [string, string, string][] = [
  // Docker Hub: default registry, library/ for official images, aliases folded into docker.io.
  ["alpine", "docker.io/library/alpine:latest", "alpine:latest"],
  ["alpine:3.20", "docker.io/library/alpine:3.20", "alpine:3.20"],
  ["docker.io/library/alpine:latest", "docker.io/library/alpine:latest", "alpine:latest"],
  ["docker.io/alpine", "docker.io/library/alpine:latest", "alpine:latest"],
  ["index.docker.io/foo", "docker.io/library/foo:latest", "foo:latest"],
  ["index.docker.io/library/debian", "docker.io/library/debian:latest", "debian:latest"],
  ["index.docker.io/docker/docker", "docker.io/docker/docker:latest", "docker/docker:latest"],
  ["registry-1.docker.io/foo/bar:1", "docker.io/foo/bar:1", "foo/bar:1"],
  ["registry-1.docker.io/foo", "docker.io/library/foo:latest", "foo:latest"],
  ["library/ubuntu", "docker.io/library/ubuntu:latest", "ubuntu:latest"],
  ["docker.io/library/foo/bar", "docker.io/library/foo/bar:latest", "library/foo/bar:latest"],
  ["user/app", "docker.io/user/app:latest", "user/app:latest"],
  ["other/library", "docker.io/other/library:latest", "other/library:latest"],
  ["store/foo/bar", "docker.io/store/foo/bar:latest", "store/foo/bar:latest"],
  ["a/b/c/d", "docker.io/a/b/c/d:latest", "a/b/c/d:latest"],
  ["test_com/foo", "docker.io/test_com/foo:latest", "test_com/foo:latest"],
  ["ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base:latest", "ubuntu-12.04-base:latest"],
  // Other registries: no library/, the host kept as written.
  ["ghcr.io/a/b:1", "ghcr.io/a/b:1", "ghcr.io/a/b:1"],
  ["ghcr.io/alpine", "ghcr.io/alpine:latest", "ghcr.io/alpine:latest"],
  ["example.com/privatebase", "example.com/privatebase:latest", "example.com/privatebase:latest"],
  [
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
  ],
  [
    "b.gcr.io/test.example.com/my-app:test.example.com",
    "b.gcr.io/test.example.com/my-app:test.example.com",
    "b.gcr.io/test.example.com/my-app:test.example.com",
  ],
  ["xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo:latest", "xn--n3h.com:18080/foo:latest"],
  ["Registry.Example.COM/x", "Registry.Example.COM/x:latest", "Registry.Example.COM/x:latest"],
  // A first component is a host only if it is localhost or has '.' or ':' ...
  ["localhost/foo", "localhost/foo:latest", "localhost/foo:latest"],
  ["localhost:5000/a", "localhost:5000/a:latest", "localhost:5000/a:latest"],
  ["foo:5000/bar", "foo:5000/bar:latest", "foo:5000/bar:latest"],
  ["test-com:8080/foo", "test-com:8080/foo:latest", "test-com:8080/foo:latest"],
  [
    "127.0.0.1:5000/docker/docker",
    "127.0.0.1:5000/docker/docker:latest",
    "127.0.0.1:5000/docker/docker:latest",
  ],
  ["192.168.1.1:5000/repo:5050", "192.168.1.1:5000/repo:5050", "192.168.1.1:5000/repo:5050"],
  ["[::1]:5000/a", "[::1]:5000/a:latest", "[::1]:5000/a:latest"],
  ["[2001:db8::1]/repo", "[2001:db8::1]/repo:latest", "[2001:db8::1]/repo:latest"],
  ["[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]/repo:tag"],
  // ... or has uppercase (docker's splitDockerDomain: a path cannot, so it must be a host).
  ["Foo/bar", "Foo/bar:latest", "Foo/bar:latest"],
  ["FOO/bar", "FOO/bar:latest", "FOO/bar:latest"],
  // Without a '/', everything is a Docker Hub name, even what looks like a host: the ':' starts a tag.
  ["foo:bar", "docker.io/library/foo:bar", "foo:bar"],
  ["localhost", "docker.io/library/localhost:latest", "localhost:latest"],
  ["localhost:5000", "docker.io/library/localhost:5000", "localhost:5000"],
  ["test.com:5000", "docker.io/library/test.com:5000", "test.com:5000"],
  ["192.168.1.1", "docker.io/library/192.168.1.1:latest", "192.168.1.1:latest"],
  ["foo/foo_bar.com:8080", "docker.io/foo/foo_bar.com:8080", "foo/foo_bar.com:8080"],
  // Tags: case-sensitive, up to 128 characters.
  ["lowercase:Uppercase", "docker.io/library/lowercase:Uppercase", "lowercase:Uppercase"],
  ["a:_x.y-Z", "docker.io/library/a:_x.y-Z", "a:_x.y-Z"],
  [`a:${"t".repeat(128)}`, `docker.io/library/a:${"t".repeat(128)}`, `a:${"t".repeat(128)}`],
  // Separators: one '.', one or two '_', any run of '-'.
  ["dock__er/docker", "docker.io/dock__er/docker:latest", "dock__er/docker:latest"],
  ["docker---rules/docker", "docker.io/docker---rules/docker:latest", "docker---rules/docker:latest"],
  ["d/docker", "docker.io/d/docker:latest", "d/docker:latest"],
  ["x/a.b_c-d", "docker.io/x/a.b_c-d:latest", "x/a.b_c-d:latest"],
  // (A first component with a '.' is a host, though, so "a.b_c-d/e" is refused: see the invalid table.)
  // 64 characters that are not all hex, 63 hex, and 64 hex behind a host are names, not image IDs.
  [
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest",
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest",
  ],
  [H64.slice(1), `docker.io/library/${H64.slice(1)}:latest`, `${H64.slice(1)}:latest`],
  [`docker.io/${H64}`, `docker.io/library/${H64}:latest`, `${H64}:latest`],
  // docker's ParseNormalizedNamed reads a bare digest as the name "sha256" with the hex as tag (only ParseAnyReference
  // treats it as a digest, and a Reference always has a repository).
  [`sha256:${H64}`, `docker.io/library/sha256:${H64}`, `sha256:${H64}`],
  // Digests: no default tag next to one; tag and digest together are both kept.
  [`alpine@${D}`, `docker.io/library/alpine@${D}`, `alpine@${D}`],
  [`alpine:3.20@${D}`, `docker.io/library/alpine:3.20@${D}`, `alpine:3.20@${D}`],
  [`test:5000/repo:tag@${D}`, `test:5000/repo:tag@${D}`, `test:5000/repo:tag@${D}`],
  [`[2001:db8::1]:5000/repo@${D}`, `[2001:db8::1]:5000/repo@${D}`, `[2001:db8::1]:5000/repo@${D}`],
  [
    `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${H128}`,
    `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${H128}`,
    `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${H128}`,
  ],
  // Length: 255 characters of path is the limit, counted after library/ is added.
  [`${"a/".repeat(127)}a`, `docker.io/${"a/".repeat(127)}a:latest`, `${"a/".repeat(127)}a:latest`],
  ["a".repeat(247), `docker.io/library/${"a".repeat(247)}:latest`, `${"a".repeat(247)}:latest`],
];

describe("parseReference: valid references", () => {
  it.each(valid)("%s", (input, full, familiar) => {
    const ref = parseReference(input);
    expect(ref.toString()).toBe(full);
    expect(ref.familiar()).toBe(familiar);
    // Both forms round-trip to an equal value.
    expect(parseReference(ref.toString()).equals(ref)).toBe(true);
    expect(parseReference(ref.familiar()).equals(ref)).toBe(true);
  });
});

describe("parseReference: parts", () => {
  it.each([
    ["alpine", "docker.io", "library/alpine", "latest", undefined, "registry-1.docker.io", "latest"],
    ["ghcr.io/a/b:1", "ghcr.io", "a/b", "1", undefined, "ghcr.io", "1"],
    [`localhost:5000/a@${D}`, "localhost:5000", "a", undefined, D, "localhost:5000", D],
    [`x:t@${D}`, "docker.io", "library/x", "t", D, "registry-1.docker.io", D],
    ["index.docker.io/u/x", "docker.io", "u/x", "latest", undefined, "registry-1.docker.io", "latest"],
  ])("%s", (input, registry, repository, tag, digest, apiHost, identifier) => {
    const ref = parseReference(input);
    expect({ registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: ref.digest }).toEqual({
      registry,
      repository,
      tag,
      digest,
    });
    expect(ref.apiHost).toBe(apiHost);
    expect(ref.identifier).toBe(identifier);
    expect(ref.name).toBe(`${registry}/${repository}`);
  });
});

describe("parseReference: options", () => {
  it.each([
    ["alpine", { defaultTag: false }, "docker.io/library/alpine", undefined],
    ["alpine:1", { defaultTag: false }, "docker.io/library/alpine:1", "1"],
    ["alpine", { defaultTag: true }, "docker.io/library/alpine:latest", "latest"],
    ["alpine", { defaultRegistry: "ghcr.io" }, "ghcr.io/alpine:latest", "latest"],
    ["u/app", { defaultRegistry: "localhost:5000" }, "localhost:5000/u/app:latest", "latest"],
    ["alpine", { defaultRegistry: "index.docker.io" }, "docker.io/library/alpine:latest", "latest"],
    ["alpine", { defaultRegistry: "https://r.example/" }, "r.example/alpine:latest", "latest"],
    ["docker.io/alpine", { defaultRegistry: "ghcr.io" }, "docker.io/library/alpine:latest", "latest"],
  ] as const)("%s %o", (input, options, full, tag) => {
    const ref = parseReference(input, options);
    expect(ref.toString()).toBe(full);
    expect(ref.tag).toBe(tag);
  });

  it("identifier is latest when no tag was added", () => {
    expect(parseReference("alpine", { defaultTag: false }).identifier).toBe("latest");
  });

  it("refuses a bad default registry", () => {
    expect(() => parseReference("alpine", { defaultRegistry: "ghcr.io/x" })).toThrow(InvalidReferenceError);
  });
});

// [input, the message, or the part of it that names the rule and the place].
const invalid: [string, string][] = [
  ["", 'invalid reference "": reference is empty'],
  ["Alpine:1", 'invalid reference "Alpine:1": repository name must be lowercase ("A" at column 1)'],
  ["Uppercase:tag", 'repository name must be lowercase ("U" at column 1)'],
  ["foo/Bar", 'invalid reference "foo/Bar": repository name must be lowercase ("B" at column 5)'],
  ["docker.io/docker/Docker", 'repository name must be lowercase ("D" at column 18)'],
  ["test:5000/Uppercase/lowercase:tag", 'repository name must be lowercase ("U" at column 11)'],
  [H64, `invalid reference "${H64}": cannot specify 64-byte hexadecimal strings`],
  [":justtag", "repository name is missing (at column 1)"],
  [`@${D}`, "repository name is missing (at column 1)"],
  ["docker.io/", "repository name is missing (at column 11)"],
  ["alpine:", "tag after ':' is empty (\":\" at column 7)"],
  ["alpine@", "digest after '@' is empty (\"@\" at column 7)"],
  [" alpine", 'whitespace is not allowed (" " at column 1)'],
  ["alpine ", 'whitespace is not allowed (" " at column 7)'],
  ["al pine", 'whitespace is not allowed (" " at column 3)'],
  ["alpine\n", 'whitespace is not allowed ("\\n" at column 7)'],
  ["\talpine", 'whitespace is not allowed ("\\t" at column 1)'],
  ["docker///docker", 'repository name has an empty path component ("/" at column 7)'],
  ["docker/", 'repository name has an empty path component ("/" at column 7)'],
  ["-docker", 'must start and end with a letter or digit ("-docker" at column 1)'],
  ["docker-/docker", 'must start and end with a letter or digit ("docker-" at column 1)'],
  ["____/____", 'must start and end with a letter or digit ("____" at column 1)'],
  ["_docker/_docker", 'must start and end with a letter or digit ("_docker" at column 1)'],
  [
    "x/dock..er",
    "invalid separator in repository name (use one '.', one or two '_', or dashes) (\"..\" at column 7)",
  ],
  [
    "x/dock_.er",
    "invalid separator in repository name (use one '.', one or two '_', or dashes) (\"_.\" at column 7)",
  ],
  [
    "x/dock-.er",
    "invalid separator in repository name (use one '.', one or two '_', or dashes) (\"-.\" at column 7)",
  ],
  [
    "x/dock___er",
    "invalid separator in repository name (use one '.', one or two '_', or dashes) (\"___\" at column 7)",
  ],
  ["aa/asdf$$^/aa", 'invalid character in repository name ("$" at column 8)'],
  ["a/😀", 'invalid character in repository name ("😀" at column 3)'],
  ["https://github.com/docker/docker", 'a reference has no scheme, remove it ("https://" at column 1)'],
  ["[fc00::1]", 'invalid character in repository name ("[" at column 1)'],
  ["[2001:db8::1]:5000", 'invalid character in repository name ("[" at column 1)'],
  [
    "fc00::1:5000/debian",
    'an IPv6 registry must be written in brackets, like [::1]:5000 ("fc00::1:5000" at column 1)',
  ],
  [
    "[fe80::1%eth0]:5000/debian",
    "IPv6 address may hold only hex digits and ':' (no zone ID, no dotted IPv4) (\"%\" at column 9)",
  ],
  [
    "[2001:db8:3:4::192.0.2.33]:5000/debian",
    "IPv6 address may hold only hex digits and ':' (no zone ID, no dotted IPv4) (\".\" at column 19)",
  ],
  ["[::1/a", "IPv6 address is missing its closing ']' (\"[\" at column 1)"],
  ["[::1]x/a", 'unexpected text after the IPv6 address ("x" at column 6)'],
  ["a.b_c-d/e", 'invalid character in registry host name ("_" at column 4)'],
  ["foo_bar.com:8080/x", 'invalid character in registry host name ("_" at column 4)'],
  [
    "-docker.io/docker/docker",
    "a registry host name label may not start or end with '-' (\"-docker\" at column 1)",
  ],
  ["dock..er.io/x", 'registry host name has an empty label ("." at column 5)'],
  ["foo:bar/baz", 'registry port must be digits ("bar" at column 5)'],
  ["localhost:/x", 'registry port is empty (":" at column 10)'],
  [":5000/x", 'registry host name is empty (":5000" at column 1)'],
  [`a:${"t".repeat(129)}`, 'tag is 129 characters, the limit is 128 ("t" at column 131)'],
  ["alpine:-x", "a tag must start with a letter, a digit or '_' (\"-\" at column 8)"],
  ["alpine:.x", "a tag must start with a letter, a digit or '_' (\".\" at column 8)"],
  ["alpine:a+b", 'invalid character in tag ("+" at column 9)'],
  ["alpine:a:b", 'invalid character in tag (":" at column 9)'],
  [`${"a/".repeat(128)}a:tag`, 'repository name is 257 characters, the limit is 255 ("/a" at column 256)'],
  ["a".repeat(248), `repository name is 256 characters, the limit is 255 ("a" at column 248)`],
  [
    `a@sha256:${H64.slice(1)}`,
    'sha256 needs 64 hex characters, this one has 63 ("bcc1c35ac38d…" at column 10)',
  ],
  [`a@sha512:${H64}`, "sha512 needs 128 hex characters, this one has 64"],
  [`a@sha256:${H64.toUpperCase()}`, 'digest hex must be lowercase ("D" at column 10)'],
  [`a@sha256:${"z".repeat(64)}`, 'digest hex may hold only 0-9 and a-f ("z" at column 10)'],
  [`a@md5:${H64}`, 'unsupported algorithm (Regatta supports sha256 and sha512) ("md5" at column 3)'],
  [
    `validname@invaliddigest:${H64}`,
    'unsupported algorithm (Regatta supports sha256 and sha512) ("invaliddigest" at column 11)',
  ],
  [`a@SHA256:${H64}`, 'digest algorithm must be lowercase ("S" at column 3)'],
  ["a@sha256", "a digest is <algorithm>:<hex>, the ':' is missing (\"sha256\" at column 3)"],
  ["a@sha256:", 'digest hex is empty (":" at column 9)'],
  [`a@sha256:${H64}@x`, 'invalid character in digest ("@" at column 74)'],
];

describe("parseReference: invalid references", () => {
  it.each(invalid)("%j", (input, message) => {
    let error: unknown;
    try {
      parseReference(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidReferenceError);
    expect((error as InvalidReferenceError).code).toBe("INVALID_REFERENCE");
    expect((error as Error).message).toContain(message);
    // The input is echoed whole up to 200 characters, longer ones cut in the middle.
    const shown = input.length <= 200 ? input : `${input.slice(0, 100)}…${input.slice(-50)}`;
    expect((error as Error).message.startsWith(`invalid reference ${JSON.stringify(shown)}: `)).toBe(true);
  });

  it("keeps a tag before a digest: an @ followed by a digest is no userinfo", () => {
    expect(() => parseReference("alpine:3.20@sha256:abc")).toThrow(
      'invalid reference "alpine:3.20@sha256:abc"',
    );
  });

  it.each([
    ["user:hunter2-pass@registry.example/team/app:1", "user:REDACTED@"],
    ["https://ci:hunter2-pass@registry.example/team/app", "https://ci:REDACTED@"],
    ["token@registry.example/app", "token@"],
    ["//bob:hunter2-pass@host/repo", "//bob:REDACTED@host"],
    ["bob:hunter2-pass@HOST", "bob:REDACTED@HOST"],
    ["bob:hunter2-pass@host:5000", "bob:REDACTED@host:5000"],
    ["bob:hunter2-pass@127.0.0.1:5000/repo", "bob:REDACTED@127.0.0.1:5000/repo"],
    ["bob@HOST:5000/repo", '"bob@" at column 1'],
  ])("never echoes the credentials of a pasted URL: %s", (input, shown) => {
    const message = (() => {
      try {
        parseReference(input);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(message).toContain(shown);
    expect(message).not.toContain("hunter2");
  });

  it("a bad digest is an InvalidReferenceError caused by an InvalidDigestError", () => {
    const error = (() => {
      try {
        parseReference(`a@sha256:${H64.toUpperCase()}`);
      } catch (e) {
        return e as InvalidReferenceError;
      }
    })();
    expect(error).toBeInstanceOf(InvalidReferenceError);
    expect(error?.cause).toBeInstanceOf(InvalidDigestError);
  });
});
