/**
 * Tag listing (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags): `n` and `last`
 * as asked, a caller's `next` followed only on the registry's origin, the next page taken from the Link header (and
 * the page's last tag as `last`), a body that is no tag list refused, `"tags": null` read as no tags, and every page
 * followed within the client's pagination limits.
 */
import { ProtocolError } from "@regatta/errors";
import { fakeRepository, generateImage } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectOptions } from "./connect-options.js";
import type { Answer, SeenRequest } from "./test-answering-registry.js";
import {
  type AnsweringRegistry,
  answeringRegistry,
  fakeDistribution,
  json,
  rejection,
} from "./test-answering-registry.js";

let registry: AnsweringRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

async function answering(
  answer: (request: SeenRequest) => Answer | Promise<Answer>,
  options?: ConnectOptions,
) {
  registry = await answeringRegistry(answer, options);
  return registry;
}
const paths = () => registry!.seen.map((r) => r.path);

const failure = (promise: Promise<unknown>) => rejection(promise, ProtocolError);

describe("listTags' request", () => {
  it("GETs the repository's tag list, with no query unless asked", async () => {
    const { reg, host } = await answering(() => json({ name: "team/app", tags: ["a"] }));
    expect(await reg.tags(`${host}/team/app`)).toEqual({ name: "team/app", tags: ["a"] });
    expect(paths()).toEqual(["/v2/team/app/tags/list"]);
  });

  it("asks for n and last", async () => {
    const { reg, host } = await answering(() => json({ name: "a", tags: [] }));
    await reg.tags(`${host}/a`, { n: 0, last: "" });
    await reg.tags(`${host}/a`, { n: 2, last: "b" });
    expect(paths()).toEqual(["/v2/a/tags/list?n=0&last=", "/v2/a/tags/list?n=2&last=b"]);
  });

  it("follows a caller's next link as it is, on the registry's origin", async () => {
    const { reg, host } = await answering(() => json({ name: "a", tags: ["c"] }));
    await reg.tags(`${host}/a`, { next: "/v2/a/tags/list?next_page=opaque", n: 5, last: "x" });
    expect(paths()).toEqual(["/v2/a/tags/list?next_page=opaque"]);
  });

  it("refuses a caller's next link to another origin, sending nothing", async () => {
    const { reg, host } = await answering(() => json({ name: "a", tags: [] }));
    const error = await failure(reg.tags(`${host}/a`, { next: "http://169.254.169.254/v2/a/tags/list" }));
    expect(error.code).toBe("FOREIGN_NEXT_LINK");
    expect(error.message).toContain(`list tags of ${host}/a: `);
    expect(paths()).toEqual([]);
  });

  it("stops at the caller's abort signal", async () => {
    const { reg, host } = await answering(() => json({ name: "a", tags: [] }));
    await expect(reg.tags(`${host}/a`, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(paths()).toEqual([]);
  });
});

describe("listTags' answer", () => {
  it.each([
    ["tags null, as distribution answers when every tag was deleted", { name: "a", tags: null }],
    ["no tags field", { name: "a" }],
  ])("reads %s as no tags", async (_what, body) => {
    const { reg, host } = await answering(() => json(body));
    expect(await reg.tags(`${host}/a`)).toEqual({ name: "a", tags: [] });
  });

  it("names the repository itself when the registry does not, and keeps only string tags", async () => {
    const { reg, host } = await answering(() => json({ tags: ["a", 1, null, "b", { x: 1 }] }));
    expect(await reg.tags(`${host}/team/app`)).toEqual({ name: "team/app", tags: ["a", "b"] });
  });

  it.each([
    ["a JSON string", "tags"],
    ["null", null],
    ["a tags field that is not a list", { name: "a", tags: "latest" }],
  ])("refuses %s", async (_what, body) => {
    const { reg, host, url } = await answering(() => json(body));
    const error = await failure(reg.tags(`${host}/a`));
    expect(error.message).toBe(
      `list tags of ${host}/a: the registry answered something that is not a tag list`,
    );
    expect(error.request).toEqual({ method: "GET", url: `${url}/v2/a/tags/list` });
  });

  it("passes a next page on, with the page's last tag", async () => {
    const { reg, host } = await answering(() =>
      json({ name: "a", tags: ["a", "b", "c"] }, { link: '</v2/a/tags/list?last=c&n=3>; rel="next"' }),
    );
    expect(await reg.tags(`${host}/a`, { n: 3 })).toEqual({
      name: "a",
      tags: ["a", "b", "c"],
      next: "/v2/a/tags/list?last=c&n=3",
      last: "c",
    });
  });

  it("passes a next page on without a last tag when the page is empty", async () => {
    const { reg, host } = await answering(() =>
      json({ name: "a", tags: [] }, { link: '</v2/a/tags/list?next_page=t>; rel="next"' }),
    );
    // Strictly: no `last` key at all.
    expect(await reg.tags(`${host}/a`)).toStrictEqual({
      name: "a",
      tags: [],
      next: "/v2/a/tags/list?next_page=t",
    });
  });

  it("refuses a next page on another origin, with the status it came with", async () => {
    const { reg, host } = await answering(() =>
      json({ name: "a", tags: ["a"] }, { link: '<http://169.254.169.254/latest>; rel="next"' }),
    );
    const error = await failure(reg.tags(`${host}/a`));
    expect(error).toMatchObject({ code: "FOREIGN_NEXT_LINK", status: 200 });
  });

  it.each([
    ["dot segments", "/v2/a/../../secret?last=b"],
    ["encoded dot segments", "/v2/%2e%2e/secret?last=y"],
    ["an encoded slash", "/v2/a/tags/..%2f..%2fsecret?last=y"],
    ["another repository's tags", "/v2/secretrepo/tags/list?last=a"],
    ["a longer repository name", "/v2/ab/tags/list?last=a"],
    ["the repository's manifests", "/v2/a/manifests/latest"],
    ["the catalog", "/v2/_catalog?last=a"],
  ])("refuses a next page on the registry's origin that leaves the tag list: %s", async (_, link) => {
    const { reg, host } = await answering(() =>
      json({ name: "a", tags: ["a"] }, { link: `<${link}>; rel="next"` }),
    );
    const error = await failure(reg.allTags(`${host}/a`));
    expect(error).toMatchObject({ code: "NEXT_LINK_PATH", status: 200 });
    expect(error.message).toContain(
      `list tags of ${host}/a: the registry's next-page link leaves the listing's path "/v2/a/tags/list"`,
    );
    // Nothing but the first page was asked for.
    expect(paths()).toEqual(["/v2/a/tags/list"]);
  });

  it("follows a next page whose path only spells the tag list otherwise", async () => {
    const { reg, host } = await answering((request) =>
      request.path.includes("last=")
        ? json({ name: "a", tags: ["b"] })
        : json({ name: "a", tags: ["a"] }, { link: '</v2/%61/./tags/list?last=a>; rel="next"' }),
    );
    expect(await reg.allTags(`${host}/a`)).toEqual(["a", "b"]);
  });

  it("takes a first page that spells the repository otherwise, as skopeo and crane do (Artifactory, Harbor)", async () => {
    for (const name of ["app", "docker-local/team/app", "Team/App"]) {
      const { reg, host } = await answering(() => json({ name, tags: ["a", "b"] }));
      expect(await reg.allTags(`${host}/team/app`)).toEqual(["a", "b"]);
      expect((await reg.tags(`${host}/team/app`)).tags).toEqual(["a", "b"]);
    }
  });

  it("follows a next link whose cursor holds a ';' (RFC 8288 allows it inside <…>)", async () => {
    const { reg, host } = await answering((request) =>
      request.path.includes("last=")
        ? json({ name: "a", tags: ["c"] })
        : json({ name: "a", tags: ["a"] }, { link: '</v2/a/tags/list?last=b;c>; rel="next"' }),
    );
    expect(await reg.allTags(`${host}/a`)).toEqual(["a", "c"]);
  });

  it("refuses a later page that names another repository than the first", async () => {
    const { reg, host } = await answering((request) =>
      request.path.includes("last=")
        ? json({ name: "secretrepo", tags: ["s"] })
        : json({ name: "a", tags: ["a"] }, { link: '</v2/a/tags/list?last=a>; rel="next"' }),
    );
    const error = await failure(reg.allTags(`${host}/a`));
    expect(error).toMatchObject({ code: "TAG_LIST_NAME" });
    expect(error.message).toBe(
      `list tags of ${host}/a: a later page lists the tags of "secretrepo", the first those of "a"`,
    );
  });

  it("names the scheme of a file: next page, not an origin of null", async () => {
    const { reg, host } = await answering(() =>
      json({ name: "a", tags: ["a"] }, { link: '<file:///etc/passwd>; rel="next"' }),
    );
    const error = await failure(reg.tags(`${host}/a`));
    expect(error.code).toBe("FOREIGN_NEXT_LINK");
    expect(error.message).toContain("next-page link is a file: URL, not one on the registry's origin");
    expect(error.message).not.toContain("(null)");
  });

  it("with digests: each tag's digest, by HEAD", async () => {
    const digestOf = (tag: string) => `sha256:${tag.repeat(64)}`;
    const { reg, host, seen } = await answering((request) =>
      request.method === "HEAD"
        ? { headers: { "docker-content-digest": digestOf(request.path.split("/").at(-1)!) } }
        : json({ name: "a", tags: ["a", "b"] }),
    );
    const page = await reg.tags(`${host}/a`, { withDigests: true });
    expect(page.digests).toEqual({ a: digestOf("a"), b: digestOf("b") });
    expect(seen.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      "GET /v2/a/tags/list",
      "HEAD /v2/a/manifests/a",
      "HEAD /v2/a/manifests/b",
    ]);
  });
});

describe("listTags with digests, when one HEAD fails", () => {
  it("stops the other HEADs at once instead of waiting for them", async () => {
    const { reg, host } = await answering(async (request) => {
      if (request.method !== "HEAD") return json({ name: "a", tags: ["slow", "broken"] });
      if (request.path.endsWith("/broken")) return { status: 500 };
      // Answers only after 5 s: long after a listing that stopped this HEAD has failed.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return { headers: { "docker-content-digest": `sha256:${"a".repeat(64)}` } };
    });
    const started = Date.now();
    const error = await reg.tags(`${host}/a`, { withDigests: true }).catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(500);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe("every page of tags", () => {
  /** A registry with tags t0…t(count-1), `size` a page, linking the next page by `last`. */
  function paged(count: number, size: number) {
    const all = Array.from({ length: count }, (_, i) => `t${i}`);
    return (request: SeenRequest): Answer => {
      const url = new URL(request.path, "http://x");
      const after = url.searchParams.get("last");
      const start = after === null ? 0 : all.indexOf(after) + 1;
      const tags = all.slice(start, start + size);
      const more = start + size < all.length;
      return json(
        { name: "a", tags },
        more ? { link: `</v2/a/tags/list?n=${size}&last=${tags.at(-1)}>; rel="next"` } : {},
      );
    };
  }

  it("follows the Link headers to the end", async () => {
    const { reg, host } = await answering(paged(5, 2));
    expect(await reg.allTags(`${host}/a`)).toEqual(["t0", "t1", "t2", "t3", "t4"]);
    expect(paths()).toEqual([
      "/v2/a/tags/list",
      "/v2/a/tags/list?n=2&last=t1",
      "/v2/a/tags/list?n=2&last=t3",
    ]);
  });

  it("joins a page of 200,000 tags (GCR sends one page; spreading it into a call overflowed the stack)", async () => {
    const { reg, host } = await answering(paged(200_000, 200_000));
    const tags = await reg.allTags(`${host}/a`);
    expect(tags).toHaveLength(200_000);
    expect(tags.at(-1)).toBe("t199999");
  });

  it("yields the pages, asking each with the options given", async () => {
    const { reg, host } = await answering(paged(3, 2));
    const pages = [];
    for await (const page of reg.tagPages(`${host}/a`, { n: 2 })) pages.push(page.tags);
    expect(pages).toEqual([["t0", "t1"], ["t2"]]);
    expect(paths()[0]).toBe("/v2/a/tags/list?n=2");
  });

  it("with digests: every page joined, one HEAD per tag, at most `concurrency` at once", async () => {
    let inFlight = 0;
    let most = 0;
    const pages = paged(5, 2);
    const { reg, host } = await answering(async (request) => {
      if (request.method !== "HEAD") return pages(request);
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      const tag = request.path.split("/").at(-1)!;
      return { headers: { "docker-content-digest": `sha256:${tag.at(-1)!.repeat(64)}` } };
    });
    const list = await reg.tagsWithDigests(`${host}/a`, { n: 2, concurrency: 1 });
    expect(list).toEqual({
      name: "a",
      tags: ["t0", "t1", "t2", "t3", "t4"],
      digests: Object.fromEntries(["0", "1", "2", "3", "4"].map((d) => [`t${d}`, `sha256:${d.repeat(64)}`])),
    });
    expect(most).toBe(1);
    expect(paths().filter((p) => p.includes("/tags/list"))).toEqual([
      "/v2/a/tags/list?n=2",
      "/v2/a/tags/list?n=2&last=t1",
      "/v2/a/tags/list?n=2&last=t3",
    ]);
  });

  it("with digests of an empty repository: no tags, no digests, no HEAD", async () => {
    const { reg, host } = await answering(() => json({ name: "a", tags: null }));
    expect(await reg.tagsWithDigests(`${host}/a`)).toEqual({ name: "a", tags: [], digests: {} });
    expect(registry!.seen.map((r) => r.method)).toEqual(["GET"]);
  });

  it("stops at the client's pagination limits", async () => {
    const { reg, host } = await answering(paged(10, 2), { pagination: { maxPages: 2 } });
    const error = await failure(reg.allTags(`${host}/a`));
    expect(error.code).toBe("PAGINATION_LIMIT");
    expect(error.message).toContain(`list tags of ${host}/a: `);
    expect(paths()).toHaveLength(2);
  });

  it("stops at the client's entry limit, counting tags", async () => {
    const { reg, host } = await answering(paged(10, 2), { pagination: { maxEntries: 3 } });
    const error = await failure(reg.allTags(`${host}/a`));
    expect(error.message).toContain(`list tags of ${host}/a: more than 3 entries`);
    expect(paths()).toHaveLength(2);
  });

  it("asks the token service for pull on the repository", async () => {
    const image = await generateImage({ layers: [16], seed: "tags-scope" });
    const { handlers, reg } = fakeDistribution(
      { "team/app": fakeRepository({ v1: image, v2: image }) },
      { auth: { type: "bearer" } },
    );
    try {
      // Once the client knows the token service, it asks for the scopes a call names before sending it.
      await reg.ping();
      expect(await reg.allTags("registry.test/team/app")).toEqual(["v1", "v2"]);
      expect(handlers.tokenRequests.length).toBeGreaterThan(0);
      for (const t of handlers.tokenRequests) expect(t.scopes).toEqual(["repository:team/app:pull"]);
    } finally {
      await reg.close();
    }
  });
});
