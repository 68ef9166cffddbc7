import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";
import type { AuthHttpRequest, AuthHttpResponse, Send } from "./types.js";

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh temporary directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "regatta-auth-"));
  dirs.push(dir);
  return dir;
}

/** Writes `content` (JSON-encoded unless a string) to `dir/relative`, creating parent directories. */
export async function writeIn(
  dir: string,
  relative: string,
  content: unknown,
  mode?: number,
): Promise<string> {
  const file = join(dir, relative);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  if (mode !== undefined) await chmod(file, mode);
  return file;
}

/** base64 of `user:password`, as docker writes `auth`. */
export function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** A fake `send` that records requests and answers with `respond`. */
export function fakeSend(
  respond: (
    request: AuthHttpRequest,
    n: number,
  ) => Partial<AuthHttpResponse> | Promise<Partial<AuthHttpResponse>>,
): Send & {
  requests: AuthHttpRequest[];
} {
  const requests: AuthHttpRequest[] = [];
  const send = async (request: AuthHttpRequest): Promise<AuthHttpResponse> => {
    requests.push(request);
    const answer = await respond(request, requests.length);
    return { status: answer.status ?? 200, headers: answer.headers ?? {}, body: answer.body ?? "" };
  };
  return Object.assign(send, { requests });
}

/** A token answer body. */
export function tokenBody(token: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ token, ...extra });
}

/** A controllable clock. */
export function fakeClock(start = Date.parse("2025-01-01T00:00:00Z")): {
  now: () => number;
  advance: (ms: number) => void;
} {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}
