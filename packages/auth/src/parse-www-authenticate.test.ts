import { ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { type Challenge, parseWwwAuthenticate } from "./parse-www-authenticate.js";

const bearer = (params: Record<string, string>): Challenge => ({ scheme: "bearer", params });
const basic = (params: Record<string, string>): Challenge => ({ scheme: "basic", params });

describe("parseWwwAuthenticate: registries seen in the wild", () => {
  it.each<[string, string, Challenge[]]>([
    [
      "GHCR",
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
      [bearer({ realm: "https://ghcr.io/token", service: "ghcr.io", scope: "repository:user/image:pull" })],
    ],
    [
      "Docker Hub",
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      [
        bearer({
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/alpine:pull",
        }),
      ],
    ],
    [
      "Quay",
      'Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:org/repo:pull"',
      [bearer({ realm: "https://quay.io/v2/auth", service: "quay.io", scope: "repository:org/repo:pull" })],
    ],
    [
      "Harbor",
      'Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:library/nginx:pull"',
      [
        bearer({
          realm: "https://harbor.example.com/service/token",
          service: "harbor-registry",
          scope: "repository:library/nginx:pull",
        }),
      ],
    ],
    [
      "ECR",
      'Basic realm="https://123.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"',
      [basic({ realm: "https://123.dkr.ecr.us-east-1.amazonaws.com/", service: "ecr.amazonaws.com" })],
    ],
    [
      "GAR",
      'Bearer realm="https://us-docker.pkg.dev/v2/token",service="us-docker.pkg.dev",scope="repository:proj/repo/img:pull"',
      [
        bearer({
          realm: "https://us-docker.pkg.dev/v2/token",
          service: "us-docker.pkg.dev",
          scope: "repository:proj/repo/img:pull",
        }),
      ],
    ],
    [
      "ACR",
      'Bearer realm="https://x.azurecr.io/oauth2/token",service="x.azurecr.io"',
      [bearer({ realm: "https://x.azurecr.io/oauth2/token", service: "x.azurecr.io" })],
    ],
    [
      "distribution, insufficient_scope",
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push",error="insufficient_scope"',
      [
        bearer({
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:a/b:pull,push",
          error: "insufficient_scope",
        }),
      ],
    ],
    ["distribution, Basic htpasswd", 'Basic realm="Registry Realm"', [basic({ realm: "Registry Realm" })]],
  ])("%s", (_name, header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });
});

describe("parseWwwAuthenticate: RFC 7235 grammar", () => {
  it.each<[string, string, Challenge[]]>([
    [
      "two challenges in one header",
      'Basic realm="r", Bearer realm="https://a/token",service="s"',
      [basic({ realm: "r" }), bearer({ realm: "https://a/token", service: "s" })],
    ],
    [
      "several space-separated scopes",
      'Bearer realm="https://a/t",scope="repository:a:pull repository:b:pull,push"',
      [bearer({ realm: "https://a/t", scope: "repository:a:pull repository:b:pull,push" })],
    ],
    [
      "escapes and commas inside quotes",
      'Bearer realm="https://a/t\\"x\\\\y",error_description="a, b = c"',
      [bearer({ realm: 'https://a/t"x\\y', error_description: "a, b = c" })],
    ],
    [
      "case-insensitive scheme and names, values kept",
      'BEARER Realm="https://A/T", SERVICE=Svc',
      [bearer({ realm: "https://A/T", service: "Svc" })],
    ],
    ["unquoted token values", "Bearer realm=abc,service=def", [bearer({ realm: "abc", service: "def" })]],
    ["whitespace around =", 'Basic realm = "x"', [basic({ realm: "x" })]],
    ["empty list elements", ' , Basic realm="x" ,, ', [basic({ realm: "x" })]],
    ["scheme alone", "Bearer", [bearer({})]],
    ["token68", "Negotiate YWJj==", [{ scheme: "negotiate", params: {}, token68: "YWJj==" }]],
    [
      "token68 then another challenge",
      'Negotiate abc=, Basic realm="x"',
      [{ scheme: "negotiate", params: {}, token68: "abc=" }, basic({ realm: "x" })],
    ],
    [
      "scheme without params, then another",
      'Negotiate, Basic realm="x"',
      [{ scheme: "negotiate", params: {} }, basic({ realm: "x" })],
    ],
    ["empty quoted string", 'Bearer realm=""', [bearer({ realm: "" })]],
    ["tab as whitespace", 'Basic\trealm="x"', [basic({ realm: "x" })]],
  ])("%s", (_name, header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });

  it.each([
    ["empty", ""],
    ["only separators", " , , "],
    ["unterminated quote", 'Bearer realm="https://a/t'],
    ["unterminated escape", 'Bearer realm="abc\\'],
    ["missing comma", 'Bearer realm="a" service="b"'],
    ["param without name", 'Bearer realm="a",,=x'],
    ["param without value", "Bearer realm=@"],
    ["starts with a quote", '"Bearer"'],
    ["no space after scheme", 'Bearer"x"'],
    ["control character", 'Bearer realm="a\u0001b"'],
    ["newline", 'Bearer realm="a\nb"'],
    ["duplicate parameter", 'Bearer realm="a", REALM="b"'],
  ])("%s is a ProtocolError", (_name, header) => {
    let caught: unknown;
    try {
      parseWwwAuthenticate(header);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect((caught as ProtocolError).code).toBe("PROTOCOL");
  });

  it("never echoes the header in its error", () => {
    expect(() => parseWwwAuthenticate('Bearer realm="x", error_description="s3cr3t-value" junk')).toThrow(
      ProtocolError,
    );
    try {
      parseWwwAuthenticate('Bearer realm="x", error_description="s3cr3t-value" junk');
    } catch (error) {
      expect(String(error)).not.toContain("s3cr3t-value");
    }
  });

  it("stores a parameter named __proto__ as data", () => {
    const [c] = parseWwwAuthenticate('Bearer __proto__="x", realm="r"');
    expect(Object.entries(c?.params ?? {})).toEqual([
      ["__proto__", "x"],
      ["realm", "r"],
    ]);
  });
});
