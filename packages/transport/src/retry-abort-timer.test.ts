import { AbortError } from "@regatta/errors";
import { startServer, type TestServer } from "@regatta/testkit";
import { afterEach, expect, it, vi } from "vitest";
import { Transport } from "./transport.js";

let server: TestServer | undefined;
let transport: Transport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
});

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

// A caller that gives up during a Retry-After wait must not leave the wait's timer behind: it would hold a CLI or a
// script open for the rest of the wait (up to a minute) after the error was already reported.
it("an abort during a retry wait clears the wait's timer (the default sleep)", async () => {
  let answered: () => void = () => {};
  const firstAnswer = new Promise<void>((resolve) => {
    answered = resolve;
  });
  server = await startServer((_req, res) => {
    res.writeHead(503, { "retry-after": "50" });
    res.end('{"errors":[{"code":"UNAVAILABLE","message":"busy"}]}');
    answered();
  });
  transport = new Transport({ insecureRegistries: [server.host] });
  const controller = new AbortController();
  const before = timers();
  const request = transport.request({
    registry: server.host,
    method: "GET",
    path: "/v2/",
    scopes: [],
    signal: controller.signal,
  });
  await firstAnswer;
  // The 503 is sent; the retry concern starts its 50 s wait once the answer is read — however long a loaded machine
  // takes to get there (a fixed pause here failed under load).
  await vi.waitFor(() => expect(timers()).toBeGreaterThan(before), { timeout: 10_000, interval: 10 });
  controller.abort();
  await expect(request).rejects.toBeInstanceOf(AbortError);
  await new Promise((resolve) => setImmediate(resolve));
  expect(timers()).toBeLessThanOrEqual(before);
});
