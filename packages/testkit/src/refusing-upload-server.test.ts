import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RefusingUploadServer, startRefusingUploadServer, type UnreadRefusal } from "./index.js";

let server: RefusingUploadServer;
/** The answer to the next PATCH. */
let next: UnreadRefusal | undefined;

beforeAll(async () => {
  server = await startRefusingUploadServer((r) => (r.method === "PATCH" ? next : undefined));
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  next = undefined;
});

/** One request; resolves with its status, or with the error of a connection cut with no answer. */
function send(method: string, path: string, body?: Buffer) {
  return new Promise<{ status?: number; location?: string; error?: string }>((resolve) => {
    const req = request(`${server.origin}${path}`, { method }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? "" }));
    });
    req.on("error", (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end(body);
  });
}

const bytes = Buffer.from("some layer bytes");
const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

describe("startRefusingUploadServer", () => {
  it("serves an upload that is not refused: POST, PATCH, PUT ?digest= commits", async () => {
    const opened = await send("POST", "/v2/r/blobs/uploads/");
    expect(opened.status).toBe(202);
    const at = opened.location as string;
    expect((await send("PATCH", at, bytes)).status).toBe(202);
    expect((await send("PUT", `${at}?digest=sha256:${"0".repeat(64)}`)).status).toBe(400);
    expect((await send("PUT", `${at}?digest=${digest}`)).status).toBe(201);
    expect(server.seen.map((r) => `${r.method} ${r.length} ${r.refused}`)).toEqual([
      "POST 0 false",
      `PATCH ${bytes.length} false`,
      "PUT 0 false",
      "PUT 0 false",
    ]);
  });

  it("refuses the requests its policy picks, with an answer or by dropping the connection, and says so", async () => {
    const at = (await send("POST", "/v2/r/blobs/uploads/")).location as string;
    next = { status: 413 };
    expect(await send("PATCH", at, bytes)).toMatchObject({ status: 413 });
    next = "drop";
    expect(await send("PATCH", at, bytes)).toMatchObject({ error: expect.any(String) });
    expect(server.seen.filter((r) => r.refused).map((r) => r.method)).toEqual(["PATCH", "PATCH"]);
    // Nothing refused was kept: the session holds no byte.
    next = undefined;
    expect((await send("PUT", `${at}?digest=sha256:${createHash("sha256").digest("hex")}`)).status).toBe(201);
  });
});
