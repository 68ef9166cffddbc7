/**
 * The shape every concern works on: which bodies can be sent again (after a 401, on retry), which methods may be
 * repeated (RFC 9110 §9.2.2), and the order `compose` puts concerns in (the first listed meets a request first).
 */
import { Readable } from "node:stream";
import { ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  bodySource,
  canReplay,
  compose,
  type Exchange,
  type Handler,
  isIdempotentMethod,
  type Middleware,
} from "./exchange.js";

describe("bodySource", () => {
  it("no body is replayable and opens as null", () => {
    const source = bodySource(undefined);
    expect(source.replayable).toBe(true);
    expect(source.open()).toBeNull();
  });

  it("a string or bytes is replayable and opens as itself, every time", () => {
    const bytes = new Uint8Array([1, 2]);
    for (const body of ["text", bytes]) {
      const source = bodySource(body);
      expect(source.replayable).toBe(true);
      expect(source.open()).toBe(body);
      expect(source.open()).toBe(body);
    }
  });

  it("a stream factory is replayable and makes a fresh stream each time", () => {
    const made: Readable[] = [];
    const source = bodySource(() => {
      const stream = Readable.from(["x"]);
      made.push(stream);
      return stream;
    });
    expect(source.replayable).toBe(true);
    expect(source.open()).toBe(made[0]);
    expect(source.open()).toBe(made[1]);
    expect(made[0]).not.toBe(made[1]);
  });

  it("a bare stream is sent once: a second open is an internal error", () => {
    const stream = Readable.from(["x"]);
    const source = bodySource(stream);
    expect(source.replayable).toBe(false);
    expect(source.open()).toBe(stream);
    expect(() => source.open()).toThrow(ProtocolError);
    expect(() => source.open()).toThrow("internal: a streamed request body cannot be sent twice");
  });
});

describe("isIdempotentMethod and canReplay", () => {
  it.each([
    ["GET", true],
    ["head", true],
    ["PUT", true],
    ["Delete", true],
    ["OPTIONS", true],
    ["POST", false],
    ["PATCH", false],
    ["CONNECT", false],
  ])("%s idempotent: %s", (method, expected) => {
    expect(isIdempotentMethod(method)).toBe(expected);
  });

  it("needs both an idempotent request and a replayable body", () => {
    const base = { idempotent: true, body: bodySource("x") } as Exchange;
    expect(canReplay(base)).toBe(true);
    expect(canReplay({ ...base, idempotent: false })).toBe(false);
    expect(canReplay({ ...base, body: bodySource(Readable.from([])) })).toBe(false);
  });
});

describe("compose", () => {
  it("the first concern listed is the outermost: it sees the request first and the response last", async () => {
    const seen: string[] = [];
    const concern =
      (name: string): Middleware =>
      (next) =>
      async (exchange) => {
        seen.push(`> ${name}`);
        const response = await next(exchange);
        seen.push(`< ${name}`);
        return response;
      };
    const send: Handler = async () => {
      seen.push("send");
      return { status: 200, headers: {}, url: "u", body: Readable.from([]) };
    };
    await compose(concern("a"), concern("b"), concern("c"))(send)({} as Exchange);
    expect(seen).toEqual(["> a", "> b", "> c", "send", "< c", "< b", "< a"]);
    expect(compose()(send)).toBe(send);
  });
});
