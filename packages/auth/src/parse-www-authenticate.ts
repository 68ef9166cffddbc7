import { ProtocolError } from "@regatta/errors";

/**
 * One challenge of a `WWW-Authenticate` header (RFC 7235 §2.1, https://www.rfc-editor.org/rfc/rfc7235#section-2.1).
 * Scheme and parameter names are case-insensitive, so both are stored lower-cased; values are kept as sent.
 */
export interface Challenge {
  /** `basic`, `bearer`, … (lower-cased). */
  scheme: string;
  /** Auth parameters by lower-cased name: `realm`, `service`, `scope`, `error`, … */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge uses it instead of parameters. */
  token68?: string;
}

// tchar, RFC 7230 §3.2.6 (https://www.rfc-editor.org/rfc/rfc7230#section-3.2.6).
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// token68, RFC 7235 §2.1: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;

/**
 * Parses a `WWW-Authenticate` header value into its challenges, per the RFC 7235 grammar:
 *
 * ```
 * WWW-Authenticate = 1#challenge
 * challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * auth-param       = token BWS "=" BWS ( token / quoted-string )
 * ```
 *
 * One header may hold several challenges (`Basic realm="x", Bearer realm="y"`), commas also separate parameters,
 * and quoted strings may contain commas and backslash escapes. Anything that does not follow the grammar throws a
 * {@link ProtocolError}; the message never echoes the header, which may carry an `error_description` from an
 * untrusted server.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const p = new Parser(header);
  const challenges: Challenge[] = [];
  for (;;) {
    // `#rule` lists allow empty elements: `, ,Basic realm="x"` (RFC 7230 §7).
    p.skipListSeparators();
    if (p.done()) break;
    challenges.push(p.challenge());
  }
  if (challenges.length === 0) throw malformed("no challenge");
  return challenges;
}

function malformed(what: string, at?: number): ProtocolError {
  const where = at === undefined ? "" : ` at offset ${at}`;
  return new ProtocolError(`malformed WWW-Authenticate header: ${what}${where}`, {
    hint: "the registry's challenge does not follow RFC 7235",
  });
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    // Stryker disable next-line StringLiteral: at the end any text that is no separator, quote or "=" reads the same.
    return this.text[this.pos] ?? "";
  }

  /** OWS / BWS: optional spaces and tabs. Returns how many were skipped. */
  skipWhitespace(): number {
    const start = this.pos;
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
    return this.pos - start;
  }

  skipListSeparators(): void {
    while (this.peek() === " " || this.peek() === "\t" || this.peek() === ",") this.pos++;
  }

  token(): string {
    const start = this.pos;
    while (!this.done() && TCHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ). */
  quotedString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = "";
    for (;;) {
      if (this.done()) throw malformed("unterminated quoted string", start);
      const c = this.peek();
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === "\\") {
        this.pos++;
        // Stryker disable next-line ConditionalExpression: without it the loop's own end check throws the same error.
        if (this.done()) throw malformed("unterminated quoted string", start);
        out += this.checkText(this.peek());
        this.pos++;
        continue;
      }
      out += this.checkText(c);
      this.pos++;
    }
  }

  /** Control characters other than HTAB are not allowed in qdtext or quoted-pair. */
  checkText(c: string): string {
    const code = c.charCodeAt(0);
    if ((code < 0x20 && c !== "\t") || code === 0x7f) throw malformed("control character", this.pos);
    return c;
  }

  challenge(): Challenge {
    const schemeAt = this.pos;
    const scheme = this.token();
    if (!scheme) throw malformed("expected an auth-scheme", schemeAt);
    // A prototype-less object, so a parameter called `__proto__` is stored like any other.
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: Object.create(null) };
    const spaces = this.skipWhitespace();
    if (this.done() || this.peek() === ",") return this.params(challenge);
    if (spaces === 0) throw malformed("expected a space after the auth-scheme", this.pos);

    // token68 is only a token68 if nothing but whitespace follows it before the next comma.
    TOKEN68.lastIndex = this.pos;
    const t68 = TOKEN68.exec(this.text);
    if (t68) {
      const after = this.pos + t68[0].length;
      let look = after;
      while (this.text[look] === " " || this.text[look] === "\t") look++;
      if (look >= this.text.length || this.text[look] === ",") {
        // `realm=` alone would also match; a token68 is the only reading the grammar allows for it.
        challenge.token68 = t68[0];
        this.pos = look;
        return challenge;
      }
    }
    return this.params(challenge);
  }

  /** #auth-param after a scheme; stops before the scheme of the next challenge. */
  params(challenge: Challenge): Challenge {
    for (;;) {
      this.skipListSeparators();
      if (this.done()) return challenge;
      const start = this.pos;
      const name = this.token();
      if (!name) throw malformed("expected an auth-param", start);
      this.skipWhitespace();
      if (this.peek() !== "=") {
        // Not `name=`: this token is the next challenge's scheme.
        this.pos = start;
        return challenge;
      }
      this.pos++;
      this.skipWhitespace();
      let value: string;
      if (this.peek() === '"') {
        value = this.quotedString();
      } else {
        const at = this.pos;
        value = this.token();
        if (!value) throw malformed(`expected a value for "${name.toLowerCase()}"`, at);
      }
      const key = name.toLowerCase();
      // RFC 7235 §2.1: "Each parameter name MUST only occur once per challenge."
      if (Object.hasOwn(challenge.params, key)) throw malformed(`duplicate parameter "${key}"`, start);
      challenge.params[key] = value;
      this.skipWhitespace();
      if (this.done()) return challenge;
      if (this.peek() !== ",") throw malformed("expected a comma", this.pos);
    }
  }
}
