import { AbortError } from "@regatta/client";
import { describe, expect, it } from "vitest";
import { ReplSession } from "./session.js";

const session = () =>
  new ReplSession("localhost:5000", { username: "alice", password: "s3cret-pw" }, false, () => {});

describe("ReplSession secrets", () => {
  it.each([
    ["reg.tags('x')", false],
    ['connect("r", { username: "u", password: "p" })', true],
    ["({ 'password': 'x' })", true],
    ["const p = 's3cret-pw'", true],
    ["passwordless()", false],
  ])("%s is secret: %s", (line, secret) => {
    expect(session().isSecret(line)).toBe(secret);
  });

  it("redacts every known secret, including those added later", () => {
    const s = session();
    s.addSecret("from-login");
    expect(s.redact("s3cret-pw and from-login")).toBe("*** and ***");
  });
});

describe("ReplSession interrupt", () => {
  it("does nothing when nothing is awaited", () => {
    expect(session().interrupt()).toBe(false);
  });

  it("rejects the wait with an AbortError and aborts the signal the requests carry", async () => {
    const s = session();
    const signal = s.signal();
    const waiting = s.wait(new Promise(() => {}));
    expect(s.busy).toBe(true);
    expect(s.interrupt()).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(signal.aborted).toBe(true);
    // The next evaluation gets a fresh signal.
    expect(s.signal().aborted).toBe(false);
    expect(s.busy).toBe(false);
  });
});
