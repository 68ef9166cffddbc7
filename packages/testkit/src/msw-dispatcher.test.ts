import { HttpResponse, http } from "msw";
import { request, fetch as undiciFetch } from "undici";
import { describe, expect, it } from "vitest";
import { createMswDispatcher, MswUnhandledRequestError } from "./msw-dispatcher.js";

const ping = http.get("https://registry.test/v2/", () =>
  HttpResponse.json({}, { headers: { "Docker-Distribution-Api-Version": "registry/2.0" } }),
);

describe("createMswDispatcher", () => {
  it("answers undici request() from a handler", async () => {
    const dispatcher = createMswDispatcher([ping]);
    const res = await request("https://registry.test/v2/", { dispatcher });
    expect(res.statusCode).toBe(200);
    expect(res.headers["docker-distribution-api-version"]).toBe("registry/2.0");
    expect(await res.body.json()).toEqual({});
    expect(dispatcher.requests).toEqual([{ method: "GET", url: "https://registry.test/v2/", status: 200 }]);
  });

  it("fails the request when the handler is removed", async () => {
    const dispatcher = createMswDispatcher([]);
    const error = await request("https://registry.test/v2/", { dispatcher }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MswUnhandledRequestError);
    expect((error as Error).message).toBe("no msw handler for GET https://registry.test/v2/");
    expect(dispatcher.unhandled).toEqual(["GET https://registry.test/v2/"]);
  });

  it("can answer unmatched requests instead of failing", async () => {
    const dispatcher = createMswDispatcher([], {
      onUnhandledRequest: (req) => new Response(`no handler: ${req.url}`, { status: 599 }),
    });
    const res = await request("https://registry.test/v2/", { dispatcher });
    expect(res.statusCode).toBe(599);
    expect(await res.body.text()).toBe("no handler: https://registry.test/v2/");
    expect(dispatcher.unhandled).toHaveLength(1);
  });

  it("works under undici fetch() too", async () => {
    const dispatcher = createMswDispatcher([ping]);
    const res = await undiciFetch("https://registry.test/v2/", { dispatcher });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    await expect(undiciFetch("https://registry.test/v3/", { dispatcher })).rejects.toThrow();
  });

  it("passes method, headers, query and body to the handler", async () => {
    const dispatcher = createMswDispatcher([
      http.put("https://registry.test/upload", async ({ request: req }) => {
        const url = new URL(req.url);
        return HttpResponse.json({
          digest: url.searchParams.get("digest"),
          type: req.headers.get("content-type"),
          body: await req.text(),
        });
      }),
    ]);
    const res = await request("https://registry.test/upload?digest=sha256:abc", {
      dispatcher,
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: "payload",
    });
    expect(await res.body.json()).toEqual({
      digest: "sha256:abc",
      type: "application/octet-stream",
      body: "payload",
    });
  });

  it("streams a large body to the consumer with back-pressure", async () => {
    const size = 8 * 1024 * 1024;
    const dispatcher = createMswDispatcher([
      http.get("https://registry.test/big", () => {
        let sent = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent >= size) return controller.close();
            const chunk = new Uint8Array(64 * 1024).fill(7);
            sent += chunk.length;
            controller.enqueue(chunk);
          },
        });
        return new HttpResponse(stream, { headers: { "content-length": String(size) } });
      }),
    ]);
    const res = await request("https://registry.test/big", { dispatcher, highWaterMark: 16 * 1024 });
    let total = 0;
    for await (const chunk of res.body) total += (chunk as Buffer).length;
    expect(total).toBe(size);
  });

  it("drops the body of HEAD answers but keeps the headers", async () => {
    const dispatcher = createMswDispatcher([
      http.head(
        "https://registry.test/blob",
        () => new HttpResponse("ignored", { headers: { "content-length": "7" } }),
      ),
    ]);
    const res = await request("https://registry.test/blob", { dispatcher, method: "HEAD" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-length"]).toBe("7");
    expect(await res.body.text()).toBe("");
  });

  it("aborts a request through its signal", async () => {
    const dispatcher = createMswDispatcher([
      http.get("https://registry.test/slow", async () => {
        await new Promise((r) => setTimeout(r, 200));
        return HttpResponse.text("late");
      }),
    ]);
    const controller = new AbortController();
    const pending = request("https://registry.test/slow", { dispatcher, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await expect(pending).rejects.toThrow("stop");
  });

  it("turns HttpResponse.error() into a network error", async () => {
    const dispatcher = createMswDispatcher([
      http.get("https://registry.test/down", () => HttpResponse.error()),
    ]);
    await expect(request("https://registry.test/down", { dispatcher })).rejects.toThrow(/network error/);
  });

  it("lets a test override one route with use() and undo it with resetHandlers()", async () => {
    const dispatcher = createMswDispatcher([ping]);
    dispatcher.use(http.get("https://registry.test/v2/", () => new HttpResponse(null, { status: 503 })));
    expect((await request("https://registry.test/v2/", { dispatcher })).statusCode).toBe(503);
    dispatcher.resetHandlers();
    expect((await request("https://registry.test/v2/", { dispatcher })).statusCode).toBe(200);
  });

  it("speaks the new handler API to a raw dispatch() caller", async () => {
    const dispatcher = createMswDispatcher([ping]);
    const events: string[] = [];
    const body: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      dispatcher.dispatch(
        { origin: "https://registry.test", path: "/v2/", method: "GET", headers: {} },
        {
          onRequestStart: () => events.push("start"),
          onResponseStart: (_c, status) => events.push(`status ${status}`),
          onResponseData: (_c, chunk) => body.push(chunk),
          onResponseEnd: () => {
            events.push("end");
            resolve();
          },
          onResponseError: (_c, error) => reject(error),
        },
      );
    });
    expect(events).toEqual(["start", "status 200", "end"]);
    expect(Buffer.concat(body).toString()).toBe("{}");
  });
});
