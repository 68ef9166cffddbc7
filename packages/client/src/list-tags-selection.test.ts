/**
 * allTags and tagsWithDigests with a selection (tag-selection.ts): the order and patterns span every page, a
 * `limit` in the registry's order stops asking for pages once met, and only the tags kept cost a HEAD.
 */
import { UsageError } from "@regatta/errors";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Answer,
  type AnsweringRegistry,
  answeringRegistry,
  json,
  type SeenRequest,
} from "./test-answering-registry.js";

let registry: AnsweringRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

const TAGS = ["1.10", "1.9", "latest", "1.2", "2.0.0-rc.1", "2.0.0"];

/** A registry holding TAGS, two a page, linking the next page by `last`; a HEAD answers a digest made of the tag. */
function paged(request: SeenRequest): Answer {
  if (request.method === "HEAD") {
    const tag = request.path.split("/").at(-1)!;
    return { headers: { "docker-content-digest": `sha256:${digestOf(tag)}` } };
  }
  const after = new URL(request.path, "http://x").searchParams.get("last");
  const start = after === null ? 0 : TAGS.indexOf(after) + 1;
  const tags = TAGS.slice(start, start + 2);
  return json(
    { name: "a", tags },
    start + 2 < TAGS.length ? { link: `</v2/a/tags/list?n=2&last=${tags.at(-1)}>; rel="next"` } : {},
  );
}
const digestOf = (tag: string) => Buffer.from(tag).toString("hex").padEnd(64, "0");
const pages = () => registry!.seen.filter((r) => r.method === "GET").length;

describe("allTags with a selection", () => {
  it("sorts across pages, naturally or by semver; the default stays the registry's order", async () => {
    registry = await answeringRegistry(paged);
    const { reg, host } = registry;
    expect(await reg.allTags(`${host}/a`)).toEqual(TAGS);
    expect(await reg.allTags(`${host}/a`, { sort: "name" })).toEqual([
      "1.2",
      "1.9",
      "1.10",
      "2.0.0",
      "2.0.0-rc.1",
      "latest",
    ]);
    expect(await reg.allTags(`${host}/a`, { sort: "semver" })).toEqual([
      "1.2",
      "1.9",
      "1.10",
      "2.0.0-rc.1",
      "2.0.0",
      "latest",
    ]);
  });

  it("filters with whole-tag patterns across pages, then limits", async () => {
    registry = await answeringRegistry(paged);
    const { reg, host } = registry;
    expect(await reg.allTags(`${host}/a`, { include: ["1\\..*", "2\\..*"], exclude: [".*-rc.*"] })).toEqual([
      "1.10",
      "1.9",
      "1.2",
      "2.0.0",
    ]);
    expect(await reg.allTags(`${host}/a`, { sort: "semver", exclude: ["latest"], limit: 2 })).toEqual([
      "1.2",
      "1.9",
    ]);
    // A sorted limit needs every page: the last page may hold the first tag.
    expect(pages()).toBe(6);
  });

  it("in the registry's order, stops asking for pages once the limit is met", async () => {
    registry = await answeringRegistry(paged);
    const { reg, host } = registry;
    expect(await reg.allTags(`${host}/a`, { limit: 3 })).toEqual(["1.10", "1.9", "latest"]);
    expect(pages()).toBe(2);
    // Counted after the filter: the first page holds no 1.2, so the second is asked for.
    expect(await reg.allTags(`${host}/a`, { include: ["1\\.2"], limit: 1 })).toEqual(["1.2"]);
    expect(pages()).toBe(4);
  });

  it("refuses a pattern that is no regular expression before any request", async () => {
    registry = await answeringRegistry(paged);
    const { reg, host } = registry;
    await expect(reg.allTags(`${host}/a`, { include: ["(unclosed"] })).rejects.toThrow(UsageError);
    expect(registry.seen).toEqual([]);
  });
});

describe("tagsWithDigests with a selection", () => {
  it("gives no digest to a listed name that is no tag, and still lists and asks for the others", async () => {
    const listed = ["good", "bad\u001b[31m", "v1\nevil.example/x:latest"];
    registry = await answeringRegistry((request) =>
      request.method === "HEAD"
        ? { headers: { "docker-content-digest": `sha256:${digestOf(request.path.split("/").at(-1)!)}` } }
        : json({ name: "a", tags: listed }),
    );
    const { reg, host } = registry;
    const list = await reg.tagsWithDigests(`${host}/a`);
    expect(list).toEqual({ name: "a", tags: listed, digests: { good: `sha256:${digestOf("good")}` } });
    expect(registry.seen.filter((r) => r.method === "HEAD")).toHaveLength(1);
  });

  it("HEADs only the tags kept, and gives their digests", async () => {
    registry = await answeringRegistry(paged);
    const { reg, host } = registry;
    const list = await reg.tagsWithDigests(`${host}/a`, { sort: "name", include: ["1\\..*"], limit: 2 });
    expect(list).toEqual({
      name: "a",
      tags: ["1.2", "1.9"],
      digests: { "1.2": `sha256:${digestOf("1.2")}`, "1.9": `sha256:${digestOf("1.9")}` },
    });
    expect(registry.seen.filter((r) => r.method === "HEAD").map((r) => r.path.split("/").at(-1))).toEqual([
      "1.2",
      "1.9",
    ]);
  });
});
