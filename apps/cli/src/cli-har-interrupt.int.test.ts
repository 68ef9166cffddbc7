/**
 * `--har FILE` when a signal ends the run (docs/security.md: written "when the run ends, a failed run included"): a
 * hung command is the one whose recording a user wants, and SIGINT/SIGTERM ended it without writing any. The file is
 * written on the interrupt path too, redacted as always, the request still waiting included (no answer, status 0).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { harSchemaErrors } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv } from "./test-cli.js";

const BIN = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));
const PASSWORD = "s3cret-har-interrupt-password";

describe("--har FILE, the run ended by a signal", () => {
  let server: Server;
  let host: string;
  const sockets: Socket[] = [];
  let requests = 0;
  const dir = mkdtempSync(join(tmpdir(), "regatta-har-int-"));

  beforeAll(async () => {
    // Reads each request and never answers: the run hangs until the signal.
    server = createServer((socket) => {
      sockets.push(socket);
      socket.on("data", () => requests++);
      socket.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [signal, status, command] of [
    ["SIGINT", 130, "tags"],
    ["SIGTERM", 143, "tags"],
    ["SIGINT", 130, "pull"],
  ] as const) {
    it(`${command}, ${signal}: exit ${status}, the HAR written, the waiting request in it, no secret`, async () => {
      const file = join(dir, `${command}-${signal}.har`);
      const before = requests;
      const args =
        command === "tags"
          ? ["--har", file, "-u", "alice", "tags", `${host}/team/app`]
          : ["--har", file, "-u", "alice", "pull", `${host}/team/app:1`, join(dir, `${signal}.tar`)];
      const child = spawn(process.execPath, [BIN, ...args], {
        env: cleanEnv(dir, { REGATTA_PASSWORD: PASSWORD }),
      });
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      const deadline = Date.now() + 10_000;
      while (requests === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(requests).toBeGreaterThan(before);
      child.kill(signal);
      expect(await exited).toBe(status);
      expect(stderr).toContain(`interrupted by ${signal}`);
      expect(stderr).toMatch(/recorded 1 HTTP exchange in .*\.har \(secrets redacted\)/);
      const text = readFileSync(file, "utf8");
      expect(text).not.toContain(PASSWORD);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const har = JSON.parse(text);
      expect(JSON.stringify(harSchemaErrors(har))).toBe("[]");
      const entries = har.log.entries as {
        request: { url: string };
        response: { status: number };
        comment?: string;
      }[];
      expect(entries).toHaveLength(1);
      expect(entries[0]?.request.url).toMatch(
        new RegExp(`^http://${host}/v2/team/app/(tags/list|manifests/1)$`),
      );
      expect(entries[0]?.response.status).toBe(0);
      // tags never took the signal: its request still waited; pull aborted its own, recorded as failed.
      expect(entries[0]?.comment).toMatch(
        command === "tags" ? /no answer: the run ended/ : /failed: interrupted by SIGINT/,
      );
    }, 30_000);
  }
});
