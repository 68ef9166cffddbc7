/**
 * The catalog (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-repositories, which
 * distribution documents as `/v2/_catalog`): of the client's registry or the one asked, `n` and `last` as asked, a
 * body that is no catalog refused, the next page taken from the Link header on the registry's origin only, every
 * page followed within the pagination limits, and `registry:catalog:*` the only scope asked.
 */
import { ProtocolError } from "@regatta/errors";
import { fakeRepository, generateImage } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectOptions } from "./connect-options.js";
import {
  type Answer,
  type AnsweringRegistry,
  answeringRegistry,
  fakeDistribution,
  json,
  rejection,
  type SeenRequest,
} from "./test-answering-registry.js";

const registries: AnsweringRegistry[] = [];
afterEach(async () => {
  for (const r of registries.splice(0)) await r.close();
});

async function answering(answer: (request: SeenRequest) => Answer, options?: ConnectOptions) {
  const registry = await answeringRegistry(answer, options);
  registries.push(registry);
  return registry;
}

const failure = (promise: Promise<unknown>) => rejection(promise, ProtocolError);

/** A catalog of r0…r(count-1), `size` a page, linking the next page by `last`. */
function paged(count: number, size: number) {
  const all = Array.from({ length: count }, (_, i) => `r${i}`);
  return (request: SeenRequest): Answer => {
    const after = new URL(request.path, "http://x").searchParams.get("last");
    const start = after === null ? 0 : all.indexOf(after) + 1;
    const repositories = all.slice(start, start + size);
    const more = start + size < all.length;
    return json(
      { repositories },
      more ? { link: `</v2/_catalog?n=${size}&last=${repositories.at(-1)}>; rel="next"` } : {},
    );
  };
}

describe("catalog's request", () => {
  it("GETs the client's registry's catalog, with n and last when asked", async () => {
    const { reg, seen } = await answering(() => json({ repositories: ["a"] }));
    expect(await reg.catalog()).toEqual({ repositories: ["a"] });
    await reg.catalog({ n: 10, last: "a" });
    expect(seen.map((r) => r.path)).toEqual(["/v2/_catalog", "/v2/_catalog?n=10&last=a"]);
  });

  it("GETs another registry's catalog when asked", async () => {
    const asked = await answering(() => json({ repositories: ["there"] }));
    const { reg, seen } = await answering(() => json({ repositories: ["here"] }), {
      insecure: [asked.host],
    });
    expect(await reg.catalog({ registry: asked.host })).toEqual({ repositories: ["there"] });
    expect(await reg.repositories({ registry: asked.host })).toEqual(["there"]);
    expect(seen).toEqual([]);
  });

  it("follows a caller's next link on the registry's origin only", async () => {
    const { reg, seen } = await answering(() => json({ repositories: [] }));
    await reg.catalog({ next: "/v2/_catalog?last=q&n=1" });
    expect(seen.map((r) => r.path)).toEqual(["/v2/_catalog?last=q&n=1"]);
    const error = await failure(reg.catalog({ next: "http://169.254.169.254/v2/_catalog" }));
    expect(error.code).toBe("FOREIGN_NEXT_LINK");
    expect(seen).toHaveLength(1);
  });

  it("stops at the caller's abort signal", async () => {
    const { reg, seen } = await answering(() => json({ repositories: [] }));
    await expect(reg.catalog({ signal: AbortSignal.abort() })).rejects.toThrow();
    expect(seen).toEqual([]);
  });
});

describe("catalog's answer", () => {
  it.each([
    ["repositories null", { repositories: null }],
    ["no repositories field", {}],
  ])("reads %s as no repositories", async (_what, body) => {
    const { reg } = await answering(() => json(body));
    expect(await reg.catalog()).toEqual({ repositories: [] });
  });

  it("keeps only string names, from a catalog of any reasonable size", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `team-${i}/application-${i}`);
    const { reg } = await answering(() => json({ repositories: ["a", 2, null, "b", ...many] }));
    expect(await reg.catalog()).toEqual({ repositories: ["a", "b", ...many] });
  });

  it.each([
    ["null", null],
    ["a JSON string", "library/alpine"],
    ["a number", 7],
    ["a repositories field that is not a list", { repositories: "a" }],
  ])("refuses %s", async (_what, body) => {
    const { reg, host, url } = await answering(() => json(body));
    const error = await failure(reg.catalog());
    expect(error.message).toBe(
      `list repositories of ${host}: the registry answered something that is not a catalog`,
    );
    expect(error.request).toEqual({ method: "GET", url: `${url}/v2/_catalog` });
  });

  it("passes a next page on, with the page's last name", async () => {
    const { reg } = await answering(paged(4, 3));
    expect(await reg.catalog({ n: 3 })).toEqual({
      repositories: ["r0", "r1", "r2"],
      next: "/v2/_catalog?n=3&last=r2",
      last: "r2",
    });
  });

  it("passes a next page on without a last name when the page is empty", async () => {
    const { reg } = await answering(() =>
      json({ repositories: [] }, { link: '</v2/_catalog?p=2>; rel="next"' }),
    );
    // Strictly: no `last` key at all.
    expect(await reg.catalog()).toStrictEqual({ repositories: [], next: "/v2/_catalog?p=2" });
  });

  it("refuses a next page on another origin", async () => {
    const { reg } = await answering(() =>
      json({ repositories: ["a"] }, { link: '<http://169.254.169.254/v2/_catalog>; rel="next"' }),
    );
    expect(await failure(reg.catalog())).toMatchObject({ code: "FOREIGN_NEXT_LINK", status: 200 });
  });

  it.each([
    ["dot segments", "/v2/_catalog/../../secret?last=b"],
    ["encoded dot segments", "/v2/%2e%2e/secret?last=y"],
    ["a repository's tags", "/v2/secretrepo/tags/list?last=a"],
    ["a longer path", "/v2/_catalog/x?last=a"],
  ])("refuses a next page on the registry's origin off the catalog's path: %s", async (_, link) => {
    const { reg, seen } = await answering(() =>
      json({ repositories: ["a"] }, { link: `<${link}>; rel="next"` }),
    );
    expect(await failure(reg.repositories())).toMatchObject({ code: "NEXT_LINK_PATH", status: 200 });
    expect(seen.map((r) => r.path)).toEqual(["/v2/_catalog"]);
  });
});

describe("every page of the catalog", () => {
  it("follows the Link headers to the end", async () => {
    const { reg, seen } = await answering(paged(5, 2));
    expect(await reg.repositories()).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    expect(seen.map((r) => r.path)).toEqual([
      "/v2/_catalog",
      "/v2/_catalog?n=2&last=r1",
      "/v2/_catalog?n=2&last=r3",
    ]);
  });

  it("joins a page of 200,000 repositories (spreading it into a call overflowed the stack)", async () => {
    const { reg } = await answering(paged(200_000, 200_000));
    const repositories = await reg.repositories();
    expect(repositories).toHaveLength(200_000);
    expect(repositories.at(-1)).toBe("r199999");
  });

  it("yields the pages, asking each with the options given", async () => {
    const { reg, seen } = await answering(paged(3, 2));
    const pages = [];
    for await (const page of reg.catalogPages({ n: 2 })) pages.push(page.repositories);
    expect(pages).toEqual([["r0", "r1"], ["r2"]]);
    expect(seen[0]!.path).toBe("/v2/_catalog?n=2");
  });

  it("stops at the client's pagination limits, naming the registry", async () => {
    const { reg, host, seen } = await answering(paged(10, 2), { pagination: { maxEntries: 3 } });
    const error = await failure(reg.repositories());
    expect(error.code).toBe("PAGINATION_LIMIT");
    expect(error.message).toContain(`list repositories of ${host}: more than 3 entries`);
    expect(seen).toHaveLength(2);
  });

  it("stops at the client's page limit", async () => {
    const { reg, seen } = await answering(paged(10, 2), { pagination: { maxPages: 2 } });
    expect((await failure(reg.repositories())).code).toBe("PAGINATION_LIMIT");
    expect(seen).toHaveLength(2);
  });

  it("search keeps the names that contain the text, from every page", async () => {
    const { reg } = await answering(paged(12, 5));
    expect(await reg.search("1")).toEqual(["r1", "r10", "r11"]);
  });

  it("asks the token service for the catalog scope only", async () => {
    const image = await generateImage({ layers: [16], seed: "catalog-scope" });
    const { handlers, reg } = fakeDistribution(
      { "team/app": fakeRepository({ v1: image }) },
      { auth: { type: "bearer" }, connect: { username: "regatta", password: "regatta-secret" } },
    );
    try {
      // Once the client knows the token service, it asks for the scopes a call names before sending it.
      await reg.ping();
      expect(await reg.repositories()).toEqual(["team/app"]);
      expect(handlers.tokenRequests.length).toBeGreaterThan(0);
      for (const t of handlers.tokenRequests) expect(t.scopes).toEqual(["registry:catalog:*"]);
    } finally {
      await reg.close();
    }
  });
});
