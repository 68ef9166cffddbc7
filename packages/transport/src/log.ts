/**
 * The verbose HTTP log (`-v`): one line when a request leaves, one when its answer arrives. Only the method, the
 * redacted URL, the status, the time and the size are printed; headers and bodies never are, so `Authorization`,
 * cookies and tokens cannot reach a log line by construction. Query strings go through `redactUrl` because presigned
 * blob URLs carry signatures there. Every line also goes through `scrubText` with the client's secrets
 * ({@link scrubbing}), because an error message (a server's words) or a redirect target can still carry one.
 */
import { STATUS_CODES } from "node:http";
import { redactUrl, type SecretSet, scrubText } from "@regatta/errors";
import type { Middleware } from "./exchange.js";
import type { ProxyOf } from "./proxy.js";

/** Receives one finished line of the verbose log. */
export type Logger = (line: string) => void;

/**
 * The logger every concern of one transport writes to: each line scrubbed against the client's secrets and token
 * shapes before it leaves, so no concern (retry reasons, redirect targets, failures) can log one.
 */
export function scrubbing(logger: Logger | undefined, secrets: SecretSet): Logger | undefined {
  return logger && ((line) => logger(scrubText(line, secrets)));
}

/** `1.5 KiB`, `12 B`, `3.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The status line of a response as the log shows it: `404 Not Found`. */
export function statusLine(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

/**
 * Logs each hop: `[#3] > GET https://host/v2/…` (`… via proxy http://proxy:3128 (from HTTPS_PROXY)` when proxied)
 * then `[#3] < 200 OK 123ms 4.5 KiB`, or `[#3] ! GET … failed after 12ms: …`. The label numbers the hops of one transport in the order they leave, so that when a copy or a pull has
 * several requests in flight the answer is paired with its request by the label, not by the order of the lines
 * (issue 12). A retry or a redirect is a hop of its own, with a label of its own.
 */
/** The label of the hop that gave each response or error, so a retry line names the hop it retries. */
export const hopLabels = new WeakMap<object, string>();

export function logging(logger: Logger | undefined, now: () => number, proxyOf?: ProxyOf): Middleware {
  if (!logger) return (next) => next;
  let hops = 0;
  return (next) => async (exchange) => {
    const url = redactUrl(exchange.url);
    const label = `[#${++hops}]`;
    // A proxied hop says so: a failure or a slow answer may be the proxy's, and `-v` is where one looks.
    const proxy = proxyOf?.(exchange.url);
    logger(`${label} > ${exchange.method} ${url}${proxy ? ` via proxy ${proxy}` : ""}`);
    const start = now();
    try {
      const response = await next(exchange);
      const length = response.headers["content-length"];
      // Stryker disable next-line ConditionalExpression: the digit test of an absent length (the text "undefined") fails too.
      const size = length !== undefined && /^\d+$/.test(length) ? ` ${formatBytes(Number(length))}` : "";
      logger(`${label} < ${statusLine(response.status)} ${Math.round(now() - start)}ms${size}`);
      hopLabels.set(response, label);
      return response;
    } catch (err) {
      if (err && typeof err === "object") hopLabels.set(err, label);
      const message = err instanceof Error ? err.message : String(err);
      logger(`${label} ! ${exchange.method} ${url} failed after ${Math.round(now() - start)}ms: ${message}`);
      throw err;
    }
  };
}
