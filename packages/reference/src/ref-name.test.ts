import { describe, expect, it } from "vitest";
import { isValidRefName } from "./ref-name.js";

describe("isValidRefName (OCI image-spec annotations.md ref.name)", () => {
  it.each(["stable", "1.0", "a:b", "example.com/app:1.0", "app@sha", "a--b", "a+b", "v1_2", "A/b/c"])(
    "accepts %j",
    (name) => expect(isValidRefName(name)).toBe(true),
  );
  it.each(["", ":a", "a:", "a/", "/a", "a//b", "a b", "a::b", "a---b", "-a", "a\nb", "é"])(
    "refuses %j",
    (name) => expect(isValidRefName(name)).toBe(false),
  );
});
