/** decodeText: a body read in the charset it declares (or its byte order mark), UTF-8 otherwise. */
import { describe, expect, it } from "vitest";
import { decodeText } from "./charset.js";

const TEXT = '{"message":"x S6>??cr3t~Pw-Qzk é"}';
const utf16be = (s: string) => Buffer.from(s, "utf16le").swap16();

describe("decodeText", () => {
  it.each<[string, Uint8Array, string | undefined]>([
    ["UTF-16LE declared", Buffer.from(TEXT, "utf16le"), "application/json; charset=utf-16le"],
    ["UTF-16BE declared, quoted and upper case", utf16be(TEXT), 'application/json; charset="UTF-16BE"'],
    [
      "UTF-16LE by its byte order mark, no charset",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, "utf16le")]),
      "application/json",
    ],
    [
      "UTF-16BE by its byte order mark, whatever the label says",
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)]),
      "text/plain; charset=utf-8",
    ],
    ["latin1 declared", Buffer.from(TEXT, "latin1"), "text/plain;charset=ISO-8859-1"],
    ["UTF-8 declared", Buffer.from(TEXT), "application/json; charset=utf-8"],
    ["no charset", Buffer.from(TEXT), "application/json"],
    ["no content type", Buffer.from(TEXT), undefined],
    ["a label nobody knows", Buffer.from(TEXT), "application/json; charset=x-klingon"],
  ])("%s", (_what, bytes, contentType) => {
    expect(decodeText(bytes, contentType)).toBe(TEXT);
  });
});
