import { describe, expect, it } from "vitest";
import { nextLink } from "./link-header.js";

describe("nextLink", () => {
  it.each([
    ['</v2/_catalog?last=b&n=2>; rel="next"', "/v2/_catalog?last=b&n=2"],
    [
      "</v2/library/alpine/tags/list?last=3.10&n=100>; rel=next",
      "/v2/library/alpine/tags/list?last=3.10&n=100",
    ],
    ['</v2/a/tags/list?n=50&next_page=gAAAAABl,x>; rel="next"', "/v2/a/tags/list?n=50&next_page=gAAAAABl,x"],
    ['/v2/a/tags/list?n=2&last=b; rel="next"', "/v2/a/tags/list?n=2&last=b"],
    [
      '<https://r.example/v2/a/tags/list?last=b>; rel="prev", <https://r.example/v2/a/tags/list?last=d>; rel="next"',
      "https://r.example/v2/a/tags/list?last=d",
    ],
    ['</x>; rel="first last next"', "/x"],
    ['</x>; rel="nextpage"', undefined],
    ['</x>; rel="prev"', undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%s", (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});
