import { ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { DEFAULT_PAGINATION, followPages, nextLink, nextPage, sameOriginPageUrl } from "./pages.js";

describe("nextLink", () => {
  it.each([
    ['</v2/_catalog?last=b&n=2>; rel="next"', "/v2/_catalog?last=b&n=2"],
    [
      "</v2/library/alpine/tags/list?last=3.10&n=100>; rel=next",
      "/v2/library/alpine/tags/list?last=3.10&n=100",
    ],
    ['</v2/a/tags/list?n=50&next_page=gAAAAABl,x>; rel="next"', "/v2/a/tags/list?n=50&next_page=gAAAAABl,x"],
    ['/v2/a/tags/list?n=2&last=b; rel="next"', "/v2/a/tags/list?n=2&last=b"],
    [
      '<https://r.example/v2/a/tags/list?last=b>; rel="prev", <https://r.example/v2/a/tags/list?last=d>; rel="next"',
      "https://r.example/v2/a/tags/list?last=d",
    ],
    ['</x>; rel="first last next"', "/x"],
    ['</x>; rel="nextpage"', undefined],
    ['</x>; title="a"; rel="next"', "/x"],
    ["</x>;rel=next", "/x"],
    ['</x>; REL="NEXT"', "/x"],
    ['</x> ; rel = "next" ', "/x"],
    ['</x>; rel="next"; title="b"', "/x"],
    ['</x>; rel="next prev"', "/x"],
    ['</x>; rel="pre-next"', undefined],
    ['</x>; prerel="next"', undefined],
    ['</x>; rel="next-page"', undefined],
    ['rel="next"', undefined],
    // The parameters start after the target: a target that reads like one is not one.
    ['rel=next; title="a"', undefined],
    ['</a>; title="b,c"; rel="next"', "/a"],
    ['</a>; title="<", </x>; rel="next"', "/x"],
    ['>, </x>; rel="next"', "/x"],
    ['<<a>,b>; rel="next"', "<a>,b"],
    ['<>; rel="next", </y>; rel="next"', "/y"],
    ['< /x >; rel="next"', "/x"],
    // Brackets are stripped only as a pair: anything else is the target as given (and must pass the origin check).
    ['/v2/a/tags/list?last=<b>; rel="next"', "/v2/a/tags/list?last=<b>"],
    ['</v2/a/tags/list?last=b; rel="next"', "</v2/a/tags/list?last=b"],
    // A `;` inside the brackets is part of the URI (RFC 8288), as in a cursor (outside QA: it was cut there).
    ['</v2/a/tags/list?last=b;c>; rel="next"', "/v2/a/tags/list?last=b;c"],
    ['</v2/a/tags/list?last=b;c>;rel=next, </y>; rel="prev"', "/v2/a/tags/list?last=b;c"],
    ['</x>; rel="prev"', undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%s", (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});

describe("sameOriginPageUrl", () => {
  const base = new URL("http://127.0.0.1:5000/v2/a/tags/list?n=2");

  it.each([
    ["/v2/a/tags/list?last=b", "http://127.0.0.1:5000/v2/a/tags/list?last=b"],
    ["?last=b", "http://127.0.0.1:5000/v2/a/tags/list?last=b"],
    ["list?last=b", "http://127.0.0.1:5000/v2/a/tags/list?last=b"],
    ["http://127.0.0.1:5000/v2/a/tags/list?last=b", "http://127.0.0.1:5000/v2/a/tags/list?last=b"],
    // The same origin spelt differently is the same origin (WHATWG URL normalises case and the default port).
    ["HTTP://127.0.0.1:5000/v2/a/tags/list?last=b", "http://127.0.0.1:5000/v2/a/tags/list?last=b"],
  ])("follows %s", (link, expected) => {
    expect(sameOriginPageUrl(link, base, "list tags of a").href).toBe(expected);
  });

  it.each([
    ["another host", "http://169.254.169.254/latest/meta-data/"],
    ["another host, protocol-relative", "//127.0.0.2:5000/v2/a/tags/list?last=b"],
    ["another port", "http://127.0.0.1:5001/v2/a/tags/list?last=b"],
    ["another scheme", "https://127.0.0.1:5000/v2/a/tags/list?last=b"],
    ["the default port of the scheme", "http://127.0.0.1/v2/a/tags/list"],
    ["an IPv4-mapped IPv6 spelling of the metadata address", "http://[::ffff:a9fe:a9fe]/"],
    ["a host name", "http://localhost:5000/v2/a/tags/list"],
    ["another scheme entirely", "file:///etc/passwd"],
    ["userinfo on the same origin", "http://u:secret@127.0.0.1:5000/v2/a/tags/list?last=b"],
    ["a user name alone on the same origin", "http://u@127.0.0.1:5000/v2/a/tags/list?last=b"],
    ["a password alone on the same origin", "http://:secret@127.0.0.1:5000/v2/a/tags/list?last=b"],
    ["the registry's host as userinfo of another", "http://127.0.0.1:5000@169.254.169.254/v2/a/tags/list"],
    ["backslashes, which URL parsers read as slashes", "http:\\\\169.254.169.254\\latest"],
    ["a tab inside the scheme, which URL parsers drop", "ht\ttp://169.254.169.254/"],
    ["another host in percent-encoding", "http://%31%36%39.254.169.254/"],
  ])("refuses %s", (_what, link) => {
    let error: unknown;
    try {
      sameOriginPageUrl(link, base, "list tags of a", 200);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    const e = error as ProtocolError;
    expect(e.code).toBe("FOREIGN_NEXT_LINK");
    expect(e.status).toBe(200);
    expect(e.request).toEqual({ method: "GET", url: "http://127.0.0.1:5000/v2/a/tags/list?n=2" });
    expect(e.message).toContain("list tags of a");
    expect(e.message).not.toContain("secret");
  });

  it("refuses a link that is no URL, saying so", () => {
    expect(() => sameOriginPageUrl("http://[::1/v2/a", base, "list tags of a")).toThrow(
      'list tags of a: the registry\'s next-page link "http://[::1/v2/a" is not a URL; refusing to follow it',
    );
  });

  it("says why, and what a registry's pages must do", () => {
    let error: unknown;
    try {
      sameOriginPageUrl("http://u:secret@127.0.0.1:5000/x", base, "list tags of a");
    } catch (e) {
      error = e;
    }
    expect((error as ProtocolError).message).toContain("list tags of a: the registry's next-page link ");
    expect((error as ProtocolError).message).toContain(" carries userinfo; refusing to follow it");
    expect((error as ProtocolError).hint).toBe(
      "a registry's pages must stay on its own scheme, host and port",
    );
  });

  it("names both origins", () => {
    expect(() => sameOriginPageUrl("http://169.254.169.254/x", base, "list tags of a")).toThrow(
      "points at another origin (http://169.254.169.254) than the registry's (http://127.0.0.1:5000)",
    );
  });
});

describe("nextPage", () => {
  const requested = new URL("http://127.0.0.1:5000/v2/a/tags/list?n=2");

  it("is undefined on the last page", () => {
    expect(nextPage(undefined, requested, "list tags of a")).toBeUndefined();
    expect(nextPage('</v2/a/tags/list?last=b>; rel="prev"', requested, "list tags of a")).toBeUndefined();
  });

  it("is the link's path and query, to pass back as `next`", () => {
    const link = '<http://127.0.0.1:5000/v2/a/tags/list?last=b&n=2>; rel="next"';
    expect(nextPage(link, requested, "list tags of a")).toBe("/v2/a/tags/list?last=b&n=2");
  });

  it("refuses a path that starts with //, which passed back would name a host", () => {
    expect(() =>
      nextPage('<http://127.0.0.1:5000//evil.example/x?last=b>; rel="next"', requested, "list tags of a"),
    ).toThrow(expect.objectContaining({ code: "NEXT_LINK_PATH" }));
  });

  it("refuses a link to another origin, with the status of the answer it came with", () => {
    let error: unknown;
    try {
      nextPage('<http://169.254.169.254/x>; rel="next"', requested, "list tags of a", 206);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "FOREIGN_NEXT_LINK", status: 206 });
  });
});

describe("followPages", () => {
  /** A registry whose page i links to `links(i)`; records what was fetched. */
  function pages(links: (i: number) => string | undefined, size = 1) {
    const fetched: (string | undefined)[] = [];
    const fetchPage = async (next: string | undefined) => {
      fetched.push(next);
      const i = fetched.length;
      const link = links(i);
      return {
        page: {
          entries: Array.from({ length: size }, (_, k) => `e${i}.${k}`),
          ...(link ? { next: link } : {}),
        },
        url: new URL(next ?? "/v2/_catalog", "http://r.test").href,
      };
    };
    return { fetched, fetchPage };
  }
  async function drain<T>(it: AsyncGenerator<T>): Promise<{ pages: T[]; error?: unknown }> {
    const got: T[] = [];
    try {
      for await (const page of it) got.push(page);
    } catch (error) {
      return { pages: got, error };
    }
    return { pages: got };
  }
  const count = (page: { entries: string[] }) => page.entries.length;

  it("follows fresh links until the registry stops sending one", async () => {
    const r = pages((i) => (i < 4 ? `/v2/_catalog?last=e${i}` : undefined));
    const { pages: got, error } = await drain(followPages("list", r.fetchPage, count));
    expect(error).toBeUndefined();
    expect(got).toHaveLength(4);
    expect(r.fetched).toEqual([
      undefined,
      "/v2/_catalog?last=e1",
      "/v2/_catalog?last=e2",
      "/v2/_catalog?last=e3",
    ]);
  });

  it("refuses a repeating next link at once: the second time it is seen, before fetching it again", async () => {
    const r = pages(() => "/v2/_catalog?last=a");
    const { pages: got, error } = await drain(followPages("list", r.fetchPage, count));
    expect((error as ProtocolError).code).toBe("NEXT_LINK_REPEATS");
    expect(r.fetched).toEqual([undefined, "/v2/_catalog?last=a"]);
    expect(got).toHaveLength(2);
  });

  it("refuses a link back to the first page, which was never a next link", async () => {
    const r = pages(() => "/v2/_catalog");
    const { error } = await drain(followPages("list", r.fetchPage, count));
    expect((error as ProtocolError).code).toBe("NEXT_LINK_REPEATS");
    expect(r.fetched).toEqual([undefined]);
  });

  it("stops a registry that links a fresh page forever at maxPages", async () => {
    const r = pages((i) => `/v2/_catalog?last=e${i}`);
    const { pages: got, error } = await drain(followPages("list", r.fetchPage, count, { maxPages: 7 }));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe("PAGINATION_LIMIT");
    expect((error as ProtocolError).message).toContain("after 7 pages");
    expect(r.fetched).toHaveLength(7);
    expect(got).toHaveLength(7);
  });

  it("takes exactly maxPages pages when the last of them ends the listing", async () => {
    const r = pages((i) => (i < 7 ? `/v2/_catalog?last=e${i}` : undefined));
    const { pages: got, error } = await drain(followPages("list", r.fetchPage, count, { maxPages: 7 }));
    expect(error).toBeUndefined();
    expect(got).toHaveLength(7);
  });

  it("stops at maxEntries, counting every page's entries", async () => {
    const r = pages((i) => `/v2/_catalog?last=e${i}`, 10);
    const { pages: got, error } = await drain(followPages("list", r.fetchPage, count, { maxEntries: 35 }));
    expect((error as ProtocolError).code).toBe("PAGINATION_LIMIT");
    expect((error as ProtocolError).message).toContain("more than 35 entries");
    expect(got).toHaveLength(3);
    expect(r.fetched).toHaveLength(4);
  });

  it("takes exactly maxEntries entries when the listing ends there", async () => {
    const r = pages((i) => (i < 3 ? `/v2/_catalog?last=e${i}` : undefined), 10);
    const { pages: got, error } = await drain(followPages("list", r.fetchPage, count, { maxEntries: 30 }));
    expect(error).toBeUndefined();
    expect(got).toHaveLength(3);
  });

  it("says which page it stopped at, and how to go further", async () => {
    const byEntries = await drain(
      followPages(
        "list repositories of r.test",
        pages((i) => `/v2/_catalog?last=e${i}`, 10).fetchPage,
        count,
        {
          maxEntries: 15,
        },
      ),
    );
    expect(byEntries.error).toMatchObject({
      message: expect.stringContaining(
        "list repositories of r.test: more than 15 entries; stopped after 2 pages",
      ),
      request: { method: "GET", url: "http://r.test/v2/_catalog?last=e1" },
      hint: "raise the client's pagination.maxEntries if the registry really holds that many",
    });
    const byPages = await drain(
      followPages("list repositories of r.test", pages((i) => `/v2/_catalog?last=e${i}`).fetchPage, count, {
        maxPages: 2,
      }),
    );
    expect(byPages.error).toMatchObject({
      message: expect.stringContaining(
        "list repositories of r.test: the registry still links a next page after 2 pages",
      ),
      request: { method: "GET", url: "http://r.test/v2/_catalog?last=e1" },
      hint: "raise the client's pagination.maxPages if the registry really has that many pages",
    });
    const repeating = await drain(
      followPages("list repositories of r.test", pages(() => "/v2/_catalog?last=a").fetchPage, count),
    );
    expect(repeating.error).toMatchObject({
      message: expect.stringContaining(
        "list repositories of r.test: the registry's next-page link repeats (/v2/_catalog?",
      ),
      request: { method: "GET", url: "http://r.test/v2/_catalog?last=a" },
      hint: "the registry's pagination is broken; the pages so far were delivered",
    });
  });

  it("has generous defaults", () => {
    expect(DEFAULT_PAGINATION.maxPages).toBeGreaterThanOrEqual(10_000);
    expect(DEFAULT_PAGINATION.maxEntries).toBeGreaterThanOrEqual(1_000_000);
  });
});
