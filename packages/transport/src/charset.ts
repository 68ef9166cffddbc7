/**
 * A response body's bytes as text, read in the charset its `Content-Type` declares
 * (https://www.rfc-editor.org/rfc/rfc9110#section-8.3.2), or its byte order mark, as a browser would
 * (https://encoding.spec.whatwg.org/#decode): UTF-8 when neither says otherwise or the label is unknown. An error
 * body sent as `charset=utf-16le` read as UTF-8 is the text with a NUL between characters, and a secret echoed in it
 * escaped the scrubber while anyone could read it back with `tr -d '\0'`; decoded, it is matched like any other.
 */
export function decodeText(bytes: Uint8Array, contentType: string | undefined): string {
  const label = bomEncoding(bytes) ?? declaredCharset(contentType) ?? "utf-8";
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    // A label the WHATWG Encoding Standard does not know (RangeError): read as UTF-8.
    return new TextDecoder("utf-8").decode(bytes);
  }
}

/** The `charset` parameter of a media type (`application/json; charset="UTF-16LE"`), without quotes. */
function declaredCharset(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? "");
  return match?.[1];
}

/** The encoding a byte order mark names; the Encoding Standard lets it win over the declared label. */
function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return undefined;
}
