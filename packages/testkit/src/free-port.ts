import { createServer } from "node:net";

/**
 * Asks the kernel for a free TCP port on 127.0.0.1 (listen on port 0, read it back, close).
 *
 * Another process can take the port between the close and the caller's own bind, so callers that hand the
 * port to a child process (distribution needs an explicit `http.addr`) must retry on `EADDRINUSE`.
 */
export function getFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("could not read a free port"))));
    });
  });
}
