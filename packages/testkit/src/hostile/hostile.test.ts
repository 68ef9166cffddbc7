import { afterEach, describe, expect, it } from "vitest";
import { type HostileRegistry, startHostileRegistry } from "./index.js";

let registry: HostileRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

describe("startHostileRegistry", () => {
  it("foreign-next-link sends the configured next link and records the request", async () => {
    registry = await startHostileRegistry({
      behaviour: "foreign-next-link",
      next: (self) => `http://169.254.169.254:${self.port}/v2/x/tags/list`,
    });
    const response = await fetch(`${registry.url}/v2/x/tags/list`, {
      headers: { authorization: "Basic eA==" },
    });
    expect(await response.json()).toEqual({ name: "x", tags: ["a"] });
    expect(response.headers.get("link")).toBe(
      `<http://169.254.169.254:${new URL(registry.url).port}/v2/x/tags/list>; rel="next"`,
    );
    expect(registry.requests).toEqual([
      expect.objectContaining({
        method: "GET",
        url: "/v2/x/tags/list",
        headers: expect.objectContaining({ authorization: "Basic eA==" }),
      }),
    ]);
  });

  it("endless-pagination links every page to a fresh one", async () => {
    registry = await startHostileRegistry({ behaviour: "endless-pagination" });
    const links = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${registry.url}/v2/_catalog`);
      await response.json();
      links.add(response.headers.get("link")!);
    }
    expect(links.size).toBe(5);
  });

  it("metadata-realm and token-redirect challenge with the configured realm and redirect", async () => {
    registry = await startHostileRegistry({ behaviour: "metadata-realm", realm: "http://[fd00:ec2::254]/" });
    const challenged = await fetch(`${registry.url}/v2/`);
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get("www-authenticate")).toBe(
      'Bearer realm="http://[fd00:ec2::254]/",service="hostile"',
    );
    await registry.close();
    registry = await startHostileRegistry({
      behaviour: "token-redirect",
      location: "http://169.254.169.254/",
    });
    const token = await fetch(`${registry.url}/token`, { redirect: "manual" });
    expect([token.status, token.headers.get("location")]).toEqual([302, "http://169.254.169.254/"]);
  });
});
