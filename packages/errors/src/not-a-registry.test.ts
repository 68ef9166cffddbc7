/**
 * Which error answers say the host is not a registry (not-a-registry.ts): HTML, or JSON that is not `{"errors":[…]}`,
 * without Docker-Distribution-API-Version, on a 4xx that is not about access or rate; nothing else.
 */
import { describe, expect, it } from "vitest";
import { NOT_A_REGISTRY, notRegistryError } from "./not-a-registry.js";
import { ProtocolError } from "./regatta-error.js";

const HTML = "<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>";
const answer = (status: number, headers: Record<string, string>, body: string) =>
  notRegistryError({ method: "get", url: "http://web.test:8080/v2/?token=s3cr3t", status, headers, body });

describe("notRegistryError", () => {
  it.each([
    [404, { "content-type": "text/html; charset=utf-8" }, HTML, "404 text/html"],
    [404, {}, HTML, "404 html without a content type"],
    [404, {}, "  <html lang=en>…", "404 html without a content type"],
    [405, { "content-type": "application/json" }, '{"message":"no route"}', "405 application/json"],
    [400, { "content-type": "application/problem+json" }, '{"title":"bad"}', "400 application/problem+json"],
    [404, {}, "[1,2]", "404 json without a content type"],
    [410, { "content-type": "application/xhtml+xml" }, "", "410 application/xhtml+xml"],
  ])("%d %j: not a registry", (status, headers, body, answered) => {
    const error = answer(status, headers, body);
    expect(error).toBeInstanceOf(ProtocolError);
    expect([error?.code, error?.status, error?.message, error?.request]).toEqual([
      NOT_A_REGISTRY,
      status,
      `web.test:8080 does not look like a container registry (GET /v2/ answered ${answered})`,
      { method: "GET", url: "http://web.test:8080/v2/?token=REDACTED" },
    ]);
  });

  it.each([
    [
      "the registry header",
      404,
      { "docker-distribution-api-version": "registry/2.0", "content-type": "text/html" },
      HTML,
    ],
    [
      "a registry's errors[]",
      404,
      { "content-type": "application/json" },
      '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}',
    ],
    ["an empty body (a HEAD)", 404, {}, ""],
    ["plain text", 404, { "content-type": "text/plain" }, "404 page not found"],
    ["JSON that does not parse", 404, { "content-type": "application/json" }, "{oops"],
    ["a 401", 401, { "content-type": "text/html" }, HTML],
    ["a 403", 403, { "content-type": "text/html" }, HTML],
    ["a 429", 429, { "content-type": "text/html" }, HTML],
    ["a proxy's 413 (nginx client_max_body_size on a push)", 413, { "content-type": "text/html" }, HTML],
    ["a 502 from a proxy in front of a registry", 502, { "content-type": "text/html" }, HTML],
    ["a success", 200, { "content-type": "text/html" }, HTML],
  ])("%s: judged a registry's answer", (_, status, headers, body) => {
    expect(answer(status, headers, body)).toBeUndefined();
  });

  it("prefixes what was being done", () => {
    const error = notRegistryError({
      method: "GET",
      url: "http://web.test/v2/a/manifests/1",
      status: 404,
      headers: { "content-type": "text/html" },
      body: HTML,
      context: "get manifest web.test/a:1",
    });
    expect(error?.message).toBe(
      "get manifest web.test/a:1: web.test does not look like a container registry (GET /v2/a/manifests/1 answered 404 text/html)",
    );
  });
});
