import { describe, expect, it } from "vitest";
import { CredentialChain } from "./credential-chain.js";

describe("CredentialChain", () => {
  it("keeps credentials on the origin it started at, across paths", () => {
    const chain = new CredentialChain("https://r.example/v2/");
    expect(chain.follow("https://r.example/v2/a/blobs/uploads/1")).toBe(true);
    expect(chain.dropped).toBe(false);
  });

  it.each([
    ["another host", "https://cdn.example/x"],
    ["another port", "https://r.example:444/x"],
    ["another scheme on the same host", "http://r.example/x"],
  ])("drops them at %s, and keeps them dropped back on the origin", (_, elsewhere) => {
    const chain = new CredentialChain("https://r.example");
    expect(chain.follow(elsewhere)).toBe(false);
    expect(chain.follow("https://r.example/v2/a/blobs/uploads/1")).toBe(false);
    expect(chain.dropped).toBe(true);
  });
});
