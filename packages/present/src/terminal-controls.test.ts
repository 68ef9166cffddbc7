import { describe, expect, it } from "vitest";
import { takesControls } from "./terminal-controls.js";

describe("takesControls", () => {
  it("is a terminal whose TERM is not dumb; NO_COLOR changes nothing", () => {
    const tty = { isTTY: true };
    expect(takesControls(tty, { TERM: "xterm-256color" })).toBe(true);
    expect(takesControls(tty, {})).toBe(true);
    expect(takesControls(tty, { TERM: "xterm", NO_COLOR: "1" })).toBe(true);
    expect(takesControls(tty, { TERM: "dumb" })).toBe(false);
    expect(takesControls(tty, { TERM: "dumb", FORCE_COLOR: "1" })).toBe(false);
    expect(takesControls({ isTTY: false }, { TERM: "xterm" })).toBe(false);
    expect(takesControls({}, { TERM: "xterm" })).toBe(false);
    expect(takesControls(undefined, { TERM: "xterm" })).toBe(false);
  });
});
