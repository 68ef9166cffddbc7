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

  it("names where it first left: the host, or the origin when only the scheme differed", () => {
    const chain = new CredentialChain("https://r.example");
    expect(chain.leftAt).toBeUndefined();
    chain.follow("https://cdn.example:8443/x");
    chain.follow("https://other.example/y");
    expect(chain.leftAt).toBe("cdn.example:8443");
    const scheme = new CredentialChain("https://r.example");
    scheme.follow("http://r.example/x");
    expect(scheme.leftAt).toBe("http://r.example");
  });
});
