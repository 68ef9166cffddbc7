import { createHash } from "node:crypto";
import { type HostileBehaviour, sendJson } from "./types.js";

/**
 * Strings that do something to a terminal when printed raw (issue 10, item 4): retitle the window (OSC 0 with BEL
 * and with ST), clear the screen (CSI 2J, and its 8-bit C1 form U+009B), move the cursor home, overwrite the line
 * with a carriage return, recolour with a hidden (conceal) style, and reverse the text with a bidi override.
 */
export const TERMINAL_PAYLOADS: readonly string[] = [
  "\x1b]0;pwned-title\x07",
  "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
  "\x1b[2J\x1b[H",
  "\u009b2J",
  "ok\rOVERWRITTEN",
  "\x1b[8mhidden\x1b[0m",
  "\u202eevil\u202c",
  "\u2066isolate\u2069",
  "bell\x07\x08\x7f",
  // Not escapes, but a forged line or column in a one-per-line listing a script reads.
  "line\nsha256:forged",
  "col\tumn",
];

/** Options of `escapes`. */
export interface EscapesOptions {
  /** The payloads to serve; default {@link TERMINAL_PAYLOADS}. */
  payloads?: readonly string[];
}

/**
 * A registry whose names, labels, annotations, header values and error messages carry terminal control sequences:
 * the catalog lists repositories named with them, every tag list holds tags made of them, every manifest (one image,
 * any tag) carries them as annotations and its config as labels, and `…/manifests/fail` is refused with an error
 * whose message and detail are made of them. A client that prints them raw lets the registry drive the terminal.
 */
export const escapes: HostileBehaviour<EscapesOptions> = (options) => {
  const payloads = options.payloads ?? TERMINAL_PAYLOADS;
  const tagged = (p: string, i: number) => `p${i}${p}`;
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created: "2024-01-01T00:00:00Z",
      config: { Labels: Object.fromEntries(payloads.map((p, i) => [`label${i}`, tagged(p, i)])) },
      rootfs: { type: "layers", diff_ids: [] },
    }),
  );
  const digest = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: digest(config),
        size: config.length,
      },
      layers: [],
      annotations: Object.fromEntries(payloads.map((p, i) => [`org.example.note${i}`, tagged(p, i)])),
    }),
  );
  return (req, res, ctx) => {
    const path = ctx.url.pathname;
    if (path === "/v2/" || path === "/v2") return sendJson(res, 200, {});
    if (path === "/v2/_catalog") {
      return sendJson(res, 200, {
        repositories: ["plain/repo", ...payloads.map((p, i) => `repo${tagged(p, i)}`)],
      });
    }
    const tags = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (tags) return sendJson(res, 200, { name: tags[1], tags: ["1.0", ...payloads.map(tagged)] });
    if (/\/manifests\/fail$/.test(path)) {
      return sendJson(res, 400, {
        errors: payloads.map((p, i) => ({
          code: "MANIFEST_INVALID",
          message: tagged(p, i),
          detail: { why: p },
        })),
      });
    }
    if (/\/manifests\/[^/]+$/.test(path)) {
      res.writeHead(200, {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "content-length": String(manifest.length),
        "docker-content-digest": digest(manifest),
        "docker-distribution-api-version": "registry/2.0",
      });
      res.end(req.method === "HEAD" ? undefined : manifest);
      return;
    }
    if (path.endsWith(`/blobs/${digest(config)}`)) {
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(config.length),
        "docker-content-digest": digest(config),
      });
      res.end(req.method === "HEAD" ? undefined : config);
      return;
    }
    return sendJson(res, 404, {
      errors: [{ code: "NAME_UNKNOWN", message: `unknown \x1b[2J${payloads[0]}` }],
    });
  };
};
