/**
 * Scrubbing of secrets that a server echoes back. A registry or token server can put anything into an error body,
 * including the `Authorization` it was sent (issue 10, item 3): the Basic value, its decoded `user:password`, the bare
 * password, a token. Every text taken from a server goes through {@link scrubText} when the error is built, so no
 * caller can print it unscrubbed.
 *
 * Two nets: the exact secrets this client sent, kept in a {@link SecretSet} owned by one client (the authenticator
 * feeds it as it learns credentials and tokens), and token-shaped strings (JWTs, `Basic <b64>`, `Bearer <x>`,
 * `"token": "…"`), which catch secrets the set never saw (a token the server made up or one from another client).
 */

import { DecodingMode, HtmlEntityDecoder } from "entities/decode";
import { userinfoRanges } from "./userinfo.js";

/** What replaces a secret. */
export const SCRUBBED = "REDACTED";

/** Secrets shorter than this are not scrubbed: masking every `abc` in a message would make it unreadable. */
const MIN_SECRET = 4;

/** Secrets at least this long (tokens, long passphrases) are also masked in fragments; shorter ones only whole. */
const MIN_FRAGMENTED = 16;

/**
 * Fragments: any run of a long secret this long is masked, so a token split between an error's message and its
 * detail (or cut by the body cap) cannot be put back together: at most a window less one character survives at
 * either side of a split. A third of the secret, between 9 and 16 characters, but never more than half of it (8 for
 * a 16- or 17-character secret, so both halves of one split in two are masked), and none for secrets shorter than
 * {@link MIN_FRAGMENTED}: shorter windows matched words that a human password shares with a registry's own text
 * ("incorrect username or password" lost its last word to the password `wrong-password-123`, and a repository
 * `regatta-project` in a URL lost its first half to an access token holding `regatta-`), which made the messages
 * useless without protecting much: a server that means to leak a password can spell it in ways no set of windows
 * covers. Returns `undefined` when the secret is masked only whole.
 */
export function fragmentLength(secret: string): number | undefined {
  if (secret.length < MIN_FRAGMENTED) return undefined;
  const half = Math.floor(secret.length / 2);
  return Math.min(16, Math.max(Math.min(9, half), Math.ceil(secret.length / 3)));
}

/** A form of a secret, and whether it is text a reader could recognise (not base64, where no part is clearer). */
interface Form {
  form: string;
  text: boolean;
  /** Masked only whole, never in fragments: the hex of a secret too short to be fragmented itself. */
  whole?: boolean;
}

/** Base64 cores shorter than this are not added: a few base64 characters are found in any long base64 text. */
const MIN_ALIGNED = 8;

/**
 * The base64 characters that stand for `bytes` wherever they sit in a longer base64 text (`base64("x" + secret)`,
 * a secret inside an encoded JSON or `user:secret` line): base64 works on 3-byte groups, so one byte string has three
 * spellings, one for each offset modulo 3 (RFC 4648 §4). Of each, only the characters made of the secret's bits
 * alone: those that share bits with the bytes before or after are dropped.
 */
function alignedBase64(bytes: Buffer): string[] {
  const out: string[] = [];
  for (const offset of [0, 1, 2]) {
    const b64 = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const core = b64.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    if (core.length < MIN_ALIGNED) continue;
    out.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return out;
}

/** The base64 forms of some bytes: padded, unpadded, URL-safe, and at any offset in a longer base64 text. */
function base64Forms(bytes: Buffer): Form[] {
  const b64 = bytes.toString("base64");
  return [b64, b64.replace(/=+$/, ""), bytes.toString("base64url"), ...alignedBase64(bytes)].map((form) => ({
    form,
    text: false,
  }));
}

/**
 * The forms a server may echo a secret in: text forms (as sent, URL- and form-encoded, JSON-escaped, upper-cased), hex
 * of its UTF-8 bytes (lower and upper case), then base64 (padded, unpadded, URL-safe, and at any offset in a longer
 * base64 text). A secret with non-ASCII characters is also
 * looked for in its other Unicode normalisation (NFC or NFD: macOS and some servers decompose `ä` into `a` + U+0308)
 * and as its UTF-8 bytes read as Latin-1 (`PÃ¤sswort`: how a Java server decodes a Basic header by default); ASCII
 * secrets are the same in all of these, so they cost nothing more.
 */
function encodings(secret: string): Form[] {
  const ascii = !/[^\x00-\x7f]/.test(secret);
  const spellings = ascii
    ? [secret]
    : [...new Set([secret, secret.normalize("NFC"), secret.normalize("NFD")])];
  const texts = ascii ? spellings : [...spellings, Buffer.from(secret, "utf8").toString("latin1")];
  const out: Form[] = [];
  for (const text of texts) {
    for (const form of [
      text,
      encodeURIComponent(text),
      new URLSearchParams({ s: text }).toString().slice(2),
      JSON.stringify(text).slice(1, -1),
    ]) {
      out.push({ form, text: true });
    }
  }
  for (const text of texts) {
    // Upper-cased (a server that shouts what it was sent): for secrets of MIN_SECRET characters or more, as every form.
    const upper = text.toUpperCase();
    if (upper !== text) out.push({ form: upper, text: true });
  }
  for (const spelling of spellings) {
    out.push(...hexForms(Buffer.from(spelling, "utf8"), spelling.length < MIN_FRAGMENTED));
    out.push(...base64Forms(Buffer.from(spelling, "utf8")));
  }
  return out;
}

/**
 * The hex of some bytes, lower and upper case (a debug dump of the request): byte-aligned, so a username's part stays
 * recognisable and is kept public by {@link SecretSet.addBasic} like the text forms'. `whole` for a secret shorter
 * than {@link MIN_FRAGMENTED}: its hex is twice as long, and windows of it would be masked in digests, which are hex
 * too (the short-password rule: a short secret is masked only whole, in every form).
 */
function hexForms(bytes: Buffer, whole: boolean): Form[] {
  const hex = bytes.toString("hex");
  return [
    { form: hex, text: true, whole },
    { form: hex.toUpperCase(), text: true, whole },
  ];
}

/**
 * The base64 of a secret's base64 (RFC 4648 §4, twice): what a server shows when it base64-encodes a text that holds
 * the Basic value or a base64 password (a debug dump of the request, a config it echoes), as QA secrets6 #4 saw in a
 * HAR body. The inner base64 whole and at each offset (the secret inside a longer encoded text), each encoded again in
 * the forms of {@link base64Forms}. Kept for passwords and `user:password`
 * (a few dozen forms); a token's set is not doubled.
 */
function doubleBase64(secret: string): Form[] {
  const out: Form[] = [];
  const bytes = Buffer.from(secret, "utf8");
  const inner = [bytes.toString("base64"), ...alignedBase64(bytes).filter((core) => !/[-_]/.test(core))];
  for (const once of new Set(inner)) {
    out.push(...base64Forms(Buffer.from(once, "latin1")));
  }
  return out;
}

/** The secrets one client sent: passwords, Basic values, tokens. Feed it with {@link SecretSet.add}. */
export class SecretSet {
  /** Every form to find: the secret as sent and as a server may echo it (URL- and form-encoded, base64). */
  readonly #exact = new Set<string>();
  /** Fragment length → every window of that length of every form (see {@link fragmentLength}). */
  readonly #fragments = new Map<number, Set<string>>();
  /** Forms masked only whole (`add(…, { fragments: false })`), until added with fragments. */
  readonly #wholeOnly = new Set<string>();

  /** How many forms are known (for tests and `describe`). */
  get size(): number {
    return this.#exact.size;
  }

  /**
   * Adds a secret and the forms a server may echo it in. Short or empty values are ignored. `fragments: false` masks
   * its forms only whole: for the many values of the URLs a client is sent to (a presigned URL per blob), whose
   * windows would grow the set by thousands of strings each over a long sync.
   */
  add(secret: string | undefined, options: { fragments?: boolean } = {}): this {
    if (!secret || secret.length < MIN_SECRET) return this;
    const whole = options.fragments === false;
    for (const form of encodings(secret)) this.#addForm(form.form, undefined, whole || form.whole);
    return this;
  }

  /**
   * Adds a username and password the way they travel: the password, and `user:password` with its Basic value (its
   * base64), as RFC 7617 §2 builds it. The username is not a secret: no fragment that is part of it (in any
   * encoding) is masked, so messages still say who was refused, even when the password contains the username.
   */
  addBasic(username: string | undefined, password: string | undefined): this {
    if (!password || password.length < MIN_SECRET) return this;
    const known = username ? encodings(`${username}:`).filter((f) => f.text) : [];
    const isPublic = (window: string) => known.some(({ form }) => form.includes(window));
    // Only the text forms: in base64 the username's part is no clearer than the rest, and is masked with it.
    const add = (forms: Form[]) => {
      for (const { form, text, whole } of forms) this.#addForm(form, text ? isPublic : undefined, whole);
    };
    add([...encodings(password), ...doubleBase64(password)]);
    if (username !== undefined) {
      const basic = `${username}:${password}`;
      // The Basic value's hex too (`hex("Basic <b64>")` holds it): base64, so no part of it is public.
      const b64 = Buffer.from(Buffer.from(basic, "utf8").toString("base64"), "latin1");
      const value = hexForms(b64, password.length < MIN_FRAGMENTED).map((f) => ({ ...f, text: false }));
      add([...encodings(basic), ...doubleBase64(basic), ...value]);
    }
    return this;
  }

  /** Records a form, and each of its windows that is not public text (none but the form itself when `whole`). */
  #addForm(form: string, isPublic: (window: string) => boolean = () => false, whole = false): void {
    if (form.length < MIN_SECRET) return;
    // Known already, unless known whole only and now added with its fragments.
    if (this.#exact.has(form) && (whole || !this.#wholeOnly.has(form))) return;
    this.#exact.add(form);
    if (whole) this.#wholeOnly.add(form);
    else this.#wholeOnly.delete(form);
    const k = (whole ? undefined : fragmentLength(form)) ?? form.length;
    const windows = this.#fragments.get(k) ?? new Set<string>();
    this.#fragments.set(k, windows);
    for (let i = 0; i + k <= form.length; i++) {
      const window = form.slice(i, i + k);
      if (!isPublic(window)) windows.add(window);
    }
  }

  /** Adds every secret of another set (a derived client shares its parent's). */
  addAll(other: SecretSet): this {
    for (const form of other.#exact) this.#addForm(form, undefined, other.#wholeOnly.has(form));
    return this;
  }

  /**
   * The ranges of `view` that hold a known secret or (with `fragments`, the default) a fragment of one, as
   * [start, end) pairs.
   */
  ranges(view: string, fragments = true): [number, number][] {
    const out: [number, number][] = [];
    if (!fragments) {
      for (const form of this.#exact) {
        for (let at = view.indexOf(form); at !== -1; at = view.indexOf(form, at + 1))
          out.push([at, at + form.length]);
      }
      return out;
    }
    for (const [k, windows] of this.#fragments) {
      for (let i = 0; i + k <= view.length; i++) {
        if (windows.has(view.slice(i, i + k))) out.push([i, i + k]);
      }
    }
    return out;
  }
}

/**
 * Token shapes, scrubbed whether or not the set knows them. Each pattern's last group is the secret part; what comes
 * before it (the scheme, the key) stays, so the message still says what was there.
 */
const SHAPES: { pattern: RegExp; accept?: (secret: string) => boolean }[] = [
  // A JWT (RFC 7519 §3): base64url header starting `{"` (eyJ), payload and signature, dot-separated.
  { pattern: /()(eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)/g },
  // A Bearer token (RFC 6750 §2.1) as a header value would carry it; not the `Bearer realm="…"` of a challenge.
  {
    pattern:
      /(\bBearer(?:\s+|%20|\+))(?!(?:realm|service|scope|error|error_description)\s*=)([A-Za-z0-9._~+/%-]{12,}=*)/gi,
  },
  // `"token": "…"`, `access_token=…`, `password: …` in a JSON, form or free-text echo. Only values that look like
  // secrets (a digit or a symbol), so "password: incorrect" stays readable.
  {
    pattern:
      /((?:access_token|refresh_token|id_token|identity_?token|registry_?token|\btoken|password|passwd|client_secret)["']?\s*(?:[:=]|%3A|%3D)\s*["']?)([^\s"'&,;}{<>]{4,})/gi,
    accept: (secret) => /[0-9%+/=_.~-]/.test(secret),
  },
];

/** `Basic <b64>` (RFC 7617 §2); redacted when it decodes to `user:password` or is long enough to be one. */
const BASIC = /(\bBasic(?:\s+|%20|\+))((?:[A-Za-z0-9+/]|%2B|%2F)+(?:=|%3D){0,2})/gi;

/**
 * What a server may have wrapped an echoed secret in: runs of percent escapes, JSON escapes, and the `&` that may
 * start an HTML character reference (read by {@link characterReferences}). Form `+` is handled by the view.
 */
const ESCAPES = /(?:%[0-9A-Fa-f]{2})+|\\u[0-9A-Fa-f]{4}|\\[/"\\]|&/g;

/**
 * A reader of the character reference at `at` (a `&`), read as a browser reads one in text (WHATWG HTML §13.2.5.72, "character
 * reference state"): every HTML5 named reference (`&period;`, `&colon;`, `&NewLine;`, not only the five HTML-escaping
 * functions emit), the legacy ones without `;` (`&amp`, `&lt`), and numeric ones with or without `;` and with any
 * number of digits (`&#112&#97`, `&#x70`), mapped as the spec maps them (`&#128;` is `€`). An HTML error page shows
 * a secret spelled this way as the secret itself, so the scrubber must read it the same way (QA secrets6 #4). The
 * names are the `entities` package's copy of the WHATWG table, not one of our own. Returns the characters and the
 * length of the reference, or `undefined` when the `&` starts none. One reader per text. Bounded: a name is at most 32 characters long,
 * and digits are read once.
 */
function characterReferences(): (text: string, at: number) => { chars: string; length: number } | undefined {
  let chars = "";
  let length = 0;
  const decoder = new HtmlEntityDecoder((codePoint, consumed) => {
    chars += String.fromCodePoint(codePoint);
    length = consumed;
  });
  return (text, at) => {
    chars = "";
    decoder.startEntity(DecodingMode.Legacy);
    if (decoder.write(text, at + 1) === -1) decoder.end();
    return chars ? { chars, length } : undefined;
  };
}

/** A text decoded one way, with the original [start, end) of each decoded UTF-16 unit. */
interface View {
  text: string;
  from: number[];
  to: number[];
}

/**
 * The characters of a run of percent escapes (`%c3%a4`, in either case): a valid UTF-8 sequence is one character,
 * as `decodeURIComponent` reads it; any other byte is read as Latin-1 (`%E4`, a legacy server's `ä`). Each with the
 * [start, end) of its escapes in the run.
 */
function percentRun(run: string): [string, number, number][] {
  const bytes = Buffer.from(run.replace(/%/g, ""), "hex");
  const out: [string, number, number][] = [];
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const n = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
    let ch = String.fromCharCode(b);
    let len = 1;
    if (n > 1 && i + n <= bytes.length) {
      const decoded = bytes.subarray(i, i + n).toString("utf8");
      if (!decoded.includes("\ufffd") && decoded.length <= 2) {
        ch = decoded;
        len = n;
      }
    }
    out.push([ch, i * 3, (i + len) * 3]);
    i += len;
  }
  return out;
}

/** The character a JSON escape (`\\u00e4`, `\\/`) stands for. */
function unescapedJson(esc: string): string {
  return esc[1] === "u" ? String.fromCharCode(Number.parseInt(esc.slice(2), 16)) : esc[1]!;
}

function decodedView(text: string, plusIsSpace: boolean): View | undefined {
  let out = "";
  const from: number[] = [];
  const to: number[] = [];
  let last = 0;
  let changed = false;
  // Per UTF-16 unit, as `indexOf` and `slice` count: an astral character is two units of one span.
  const push = (chars: string, start: number, end: number) => {
    out += chars;
    for (let i = 0; i < chars.length; i++) {
      from.push(start);
      to.push(end);
    }
  };
  const plain = (start: number, end: number) => {
    for (let i = start; i < end; i++) {
      const ch = text[i]!;
      if (plusIsSpace && ch === "+") changed = true;
      push(plusIsSpace && ch === "+" ? " " : ch, i, i + 1);
    }
  };
  const escapes = new RegExp(ESCAPES);
  const characterReference = characterReferences();
  for (let m = escapes.exec(text); m; m = escapes.exec(text)) {
    const at = m.index;
    const esc = m[0];
    if (esc[0] === "%") {
      plain(last, at);
      for (const [ch, s, e] of percentRun(esc)) push(ch, at + s, at + e);
      last = at + esc.length;
    } else if (esc[0] === "&") {
      const ref = characterReference(text, at);
      if (!ref) continue;
      plain(last, at);
      push(ref.chars, at, at + ref.length);
      last = at + ref.length;
      escapes.lastIndex = last;
    } else {
      plain(last, at);
      push(unescapedJson(esc), at, at + esc.length);
      last = at + esc.length;
    }
    changed = true;
  }
  plain(last, text.length);
  return changed ? { text: out, from, to } : undefined;
}

/** Whether a `Basic` value is a credential: it decodes to `user:password`, or is too long to be a word. */
function isBasicCredential(value: string): boolean {
  const b64 = decodeURIComponent(value.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
  const decoded = Buffer.from(b64, "base64").toString("latin1");
  return /^[\x20-\x7e]*:[\x20-\x7e]*$/.test(decoded) || b64.length >= 20;
}

function merge(ranges: [number, number][]): [number, number][] {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const top = out[out.length - 1];
    if (top && r[0] <= top[1]) top[1] = Math.max(top[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/**
 * Replaces every known secret (and every fragment of one, in any of the encodings above) and every token-shaped
 * string in `text` with {@link SCRUBBED}. Idempotent; texts without secrets come back unchanged. For data a user
 * asked to see, `shapes: false` leaves token shapes alone (an annotation may hold a signature that looks like a JWT)
 * and `fragments: false` matches only whole secrets (a digest may share four characters with a short password).
 */
export function scrubText(
  text: string,
  secrets?: SecretSet,
  options: { shapes?: boolean; fragments?: boolean } = {},
): string {
  if (!text) return text;
  const ranges: [number, number][] = [];
  const shapes = options.shapes === false ? [] : SHAPES;
  for (const { pattern, accept } of shapes) {
    for (const m of text.matchAll(pattern)) {
      const secret = m[2]!;
      if (secret === SCRUBBED || (accept && !accept(secret))) continue;
      const start = (m.index ?? 0) + m[1]!.length;
      ranges.push([start, start + secret.length]);
    }
  }
  // The password of a userinfo (RFC 3986 §3.2.1, deprecated there for this reason): `postgres://admin:pw@db` as a
  // registry's error may quote its storage settings, `alice:pw@host` as a user typed it (userinfo.ts). The user stays.
  if (options.shapes !== false) ranges.push(...userinfoRanges(text));
  for (const m of options.shapes === false ? [] : text.matchAll(BASIC)) {
    const value = m[2]!;
    if (!isBasicCredential(value)) continue;
    const start = (m.index ?? 0) + m[1]!.length;
    ranges.push([start, start + value.length]);
  }
  if (secrets?.size) {
    const fragments = options.fragments !== false;
    for (const range of secrets.ranges(text, fragments)) ranges.push(range);
    for (const plus of [false, true]) {
      const view = decodedView(text, plus);
      if (!view) continue;
      for (const [s, e] of secrets.ranges(view.text, fragments))
        ranges.push([view.from[s]!, view.to[e - 1]!]);
    }
  }
  if (!ranges.length) return text;
  let out = "";
  let last = 0;
  for (const [s, e] of merge(ranges)) {
    out += text.slice(last, s) + SCRUBBED;
    last = e;
  }
  return out + text.slice(last);
}

/**
 * Scrubs every string (and every key) inside a JSON-like value, such as the `detail` of an OCI error entry, which a
 * registry may fill with anything. Depth-limited: what lies deeper is dropped rather than kept unscrubbed.
 */
export function scrubValue(value: unknown, secrets?: SecretSet, depth = 0): unknown {
  if (typeof value === "string") return scrubText(value, secrets);
  if (value === null || typeof value !== "object") return value;
  if (depth > 16) return SCRUBBED;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[scrubText(k, secrets)] = scrubValue(v, secrets, depth + 1);
  return out;
}
