/**
 * Session recording (issue 14, item 5): a client given a HarRecorder records every exchange — the ping, the token
 * request, manifests, tags, a blob, a push, a refused request — as a HAR 1.2 archive the schema accepts, with no
 * password, token or Authorization value in it, even where the registry echoes one back.
 */
import type { Readable } from "node:stream";
import {
  createMswDispatcher,
  DEFAULT_USERS,
  distributionHandlers,
  fakeRepository,
  generateImage,
  harSchemaErrors,
} from "@regatta/testkit";
import { HttpResponse, http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, HarRecorder, type RegistryClient } from "./index.js";

const HOST = "localhost:5000";
const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
const opened: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

async function recordedSession() {
  const image = await generateImage({ seed: "har" });
  const handlers = distributionHandlers({
    host: HOST,
    auth: { type: "bearer" },
    repos: { "team/api": fakeRepository({ "1.0": image }) },
  });
  const dispatcher = createMswDispatcher(handlers);
  const har = new HarRecorder();
  const reg = createClient(HOST, {
    username: USER,
    password: PASSWORD,
    har,
    dispatcher,
    retry: { attempts: 0 },
  });
  opened.push(reg);
  return { reg, har, image, dispatcher };
}

describe("HarRecorder", () => {
  it("records a bearer session as HAR 1.2: the schema accepts it, and no secret is in it", async () => {
    const { reg, har, image } = await recordedSession();
    await reg.tags("team/api");
    const manifest = await reg.manifest("team/api:1.0");
    await reg.blob("team/api", image.layers[0]!.digest).bytes();
    await reg.putManifest("team/api:copy", manifest.bytes, { mediaType: manifest.mediaType });
    await expect(reg.manifest("team/api:missing")).rejects.toThrow();

    const archive = JSON.parse(JSON.stringify(har.toJSON("test")));
    expect(harSchemaErrors(archive)).toEqual([]);
    const text = JSON.stringify(archive);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(/eyJ[\w-]{8,}\.[\w-]{8,}/); // no JWT, whole or in part
    expect(text).not.toMatch(/"(?:Bearer|Basic) [^R"]/i);

    const entries = archive.log.entries as Array<{
      request: {
        method: string;
        url: string;
        headers: { name: string; value: string }[];
        postData?: { text: string };
      };
      response: { status: number; content: { text?: string; comment?: string } };
    }>;
    const find = (method: string, path: RegExp) =>
      entries.filter((e) => e.request.method === method && path.test(e.request.url));
    // The token request is there, its answer is not.
    const tokens = entries.filter((e) => /\/token/.test(e.request.url));
    expect(tokens.length).toBeGreaterThan(0);
    for (const t of tokens) expect(t.response.content.text).toBeUndefined();
    // Authorization went, and is shown by name only.
    const tagList = find("GET", /\/v2\/team\/api\/tags\/list/).at(-1)!;
    expect(tagList.request.headers).toContainEqual({ name: "authorization", value: "REDACTED" });
    expect(JSON.parse(tagList.response.content.text!)).toMatchObject({ name: "team/api", tags: ["1.0"] });
    // A manifest's body is kept, both ways; a blob's never.
    const got = find("GET", /\/manifests\/1\.0$/).at(-1)!;
    expect(got.response.content.text).toBe(Buffer.from(manifest.bytes).toString("utf8"));
    const put = find("PUT", /\/manifests\/copy$/).at(-1)!;
    expect(put.request.postData?.text).toBe(Buffer.from(manifest.bytes).toString("utf8"));
    const blob = find("GET", /\/blobs\/sha256:/).at(-1)!;
    expect(blob.response.content.text).toBeUndefined();
    expect(blob.response.content.comment).toMatch(/blob/);
    // The refusal is recorded with the registry's error.
    const missing = find("GET", /\/manifests\/missing$/).at(-1)!;
    expect(missing.response.status).toBe(404);
    expect(missing.response.content.text).toMatch(/MANIFEST_UNKNOWN/);
  });

  it("scrubs what a registry echoes back, query strings of presigned URLs, and a failed exchange's message", async () => {
    const { reg, har, dispatcher } = await recordedSession();
    await reg.tags("team/api"); // the token, so there is one to echo
    dispatcher.use(
      http.get(`http://${HOST}/v2/team/echo/tags/list`, ({ request }) =>
        HttpResponse.json(
          {
            errors: [
              { code: "DENIED", message: `you sent ${request.headers.get("authorization")} and ${PASSWORD}` },
            ],
          },
          { status: 403 },
        ),
      ),
      http.get(
        `http://${HOST}/v2/team/redirect/tags/list`,
        () =>
          new HttpResponse(null, {
            status: 307,
            headers: { location: `http://${HOST}/storage/team/redirect/tags?X-Amz-Signature=s3cr3tsig&n=5` },
          }),
      ),
      // The presigned copy of that repository's list (a list naming another repository is refused: tags.ts).
      http.get(`http://${HOST}/storage/team/redirect/tags`, () =>
        HttpResponse.json({ name: "team/redirect", tags: ["a"] }),
      ),
    );
    await expect(reg.tags("team/echo")).rejects.toThrow();
    await reg.tags("team/redirect");
    const text = JSON.stringify(har.toJSON());
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain("s3cr3tsig");
    expect(text).not.toMatch(/Bearer (?!REDACTED|realm=)[A-Za-z0-9]/);
    expect(text).toContain("X-Amz-Signature=REDACTED");
    expect(harSchemaErrors(har.toJSON())).toEqual([]);
  });

  it("keeps an error body in the charset it declares, so a UTF-16 echo is scrubbed, not kept with NULs", async () => {
    const { reg, har, dispatcher } = await recordedSession();
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
    const body = JSON.stringify({ errors: [{ code: "DENIED", message: `x ${PASSWORD} ${basic}` }] });
    dispatcher.use(
      http.get(
        `http://${HOST}/v2/team/u16/tags/list`,
        () =>
          new HttpResponse(Buffer.from(body, "utf16le"), {
            status: 403,
            headers: { "content-type": "application/json; charset=utf-16le" },
          }),
      ),
    );
    await expect(reg.tags("team/u16")).rejects.toThrow();
    const entry = har.toJSON().log.entries.find((e) => e.request.url.includes("/team/u16/"));
    const kept = entry?.response.content.text ?? "";
    expect(kept).toContain('"code":"DENIED"');
    expect(kept).not.toContain("\u0000");
    expect(kept.replaceAll("\u0000", "")).not.toContain(PASSWORD);
    expect(kept.replaceAll("\u0000", "")).not.toContain(basic);
  });

  it("keeps at most maxEntries, saying how many it dropped; a body read by nobody does not hold the client", async () => {
    const har = new HarRecorder({ maxEntries: 3 });
    const { image } = await recordedSession();
    const handlers = distributionHandlers({
      host: HOST,
      repos: { "team/api": fakeRepository({ "1.0": image }) },
    });
    const reg = createClient(HOST, { har, dispatcher: createMswDispatcher(handlers) });
    opened.push(reg);
    for (let i = 0; i < 5; i++) await reg.head("team/api:1.0");
    const log = har.toJSON().log;
    expect(log.entries).toHaveLength(3);
    expect(log.comment).toMatch(/oldest exchanges were dropped/);
    expect(harSchemaErrors(har.toJSON())).toEqual([]);
    const stream = (await reg.blob("team/api", image.layers[0]!.digest).stream()) as Readable;
    stream.destroy();
  });
});
