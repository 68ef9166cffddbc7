import { describe, expect, it } from "vitest";
import { parseSize } from "./flag-values.js";

describe("parseSize", () => {
  it.each([
    ["1048576", 1048576],
    ["512KiB", 512 * 1024],
    ["8M", 8 * 1024 * 1024],
    ["16MiB", 16 * 1024 * 1024],
    ["1g", 1024 ** 3],
    ["64kb", 64 * 1024],
  ])("%s is %d bytes", (text, bytes) => {
    expect(parseSize(text, "--chunk-size")).toBe(bytes);
  });

  it.each(["", "0", "-1", "8 MB/s", "1.5M", "lots"])("refuses %j, naming the flag", (text) => {
    expect(() => parseSize(text, "--chunk-size")).toThrow(/--chunk-size/);
  });
});
