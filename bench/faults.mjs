/**
 * How long `regatta` takes to give up on a dead or stalled registry (issue 10, item 8), with the built CLI and its
 * default timeouts unless flags are passed after `--`. Three cases, each against servers on free loopback ports:
 *
 * - silent:  a TCP server that accepts connections and never sends a byte (`regatta tags`);
 * - blackhole: `regatta tags` to a port whose SYNs are dropped (root only: a private network namespace with an
 *   iptables DROP rule, so nothing outside is touched);
 * - stalled: `regatta copy` whose source sends half of a layer and then nothing, neither closing nor resetting;
 * - slow:    `regatta copy` whose layer trickles in for longer than `--timeout` (must succeed).
 *
 * ```sh
 * node bench/faults.mjs [--only silent|stalled|slow] [-- <extra regatta flags>]
 * ```
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer as createHttp } from "node:http";
import { createServer as createTcp } from "node:net";
import { CLI } from "./lib.mjs";

const args = process.argv.slice(2);
const dash = args.indexOf("--");
const extra = dash >= 0 ? args.slice(dash + 1) : [];
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;

const sha = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const listen = (server) =>
  new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));

/** Runs the CLI (under `wrap`, when given), returning its exit status, wall time in seconds and last stderr line. */
function run(argv, wrap = []) {
  const start = performance.now();
  return new Promise((resolve) => {
    const command = [...wrap, process.execPath, CLI, ...argv, ...extra];
    const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => {
      const seconds = (performance.now() - start) / 1000;
      resolve({ code, seconds: Number(seconds.toFixed(1)), error: stderr.trim().split("\n").at(-1) ?? "" });
    });
  });
}

/** A one-layer image registry as source, a write-only registry as target; `layer` decides how the layer is sent. */
async function copyCase(layerBytes, sendLayer) {
  const config = Buffer.from(
    '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: config.length,
        digest: sha(config),
      },
      layers: [
        {
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
          size: layerBytes.length,
          digest: sha(layerBytes),
        },
      ],
    }),
  );
  const sockets = new Set();
  const source = createHttp((req, res) => {
    if (req.url === "/v2/") return res.end("{}");
    if (req.url.includes("/manifests/")) {
      res.writeHead(200, {
        "content-type": "application/vnd.docker.distribution.manifest.v2+json",
        "docker-content-digest": sha(manifest),
        "content-length": manifest.length,
      });
      return res.end(req.method === "HEAD" ? undefined : manifest);
    }
    if (req.url.endsWith(sha(config))) return res.end(config);
    if (req.url.endsWith(sha(layerBytes))) return sendLayer(res);
    res.statusCode = 404;
    res.end();
  });
  const target = createHttp((req, res) => {
    if (req.url === "/v2/") return res.end("{}");
    if (req.method === "HEAD") {
      res.statusCode = 404;
      return res.end();
    }
    if (req.method === "POST") {
      res.writeHead(202, { location: `/v2/dst/blobs/uploads/1?x=${Math.random()}`, range: "0-0" });
      return res.end();
    }
    if (req.method === "GET") {
      res.writeHead(204, { location: req.url, range: "0-0" });
      return res.end();
    }
    req.resume();
    req.on("end", () => {
      res.statusCode = req.method === "DELETE" ? 204 : 201;
      res.end();
    });
  });
  for (const s of [source, target]) s.on("connection", (c) => sockets.add(c));
  const [sp, tp] = [await listen(source), await listen(target)];
  const result = await run(["copy", `127.0.0.1:${sp}/src:1`, `127.0.0.1:${tp}/dst:1`]);
  for (const c of sockets) c.destroy();
  source.close();
  target.close();
  return result;
}

const cases = {
  async silent() {
    const sockets = new Set();
    const server = createTcp((c) => sockets.add(c)); // accepts, never answers
    const port = await listen(server);
    const result = await run(["tags", `127.0.0.1:${port}/x`]);
    for (const c of sockets) c.destroy();
    server.close();
    return result;
  },
  async blackhole() {
    if (process.getuid?.() !== 0) return { skipped: "needs root (unshare --net, iptables)" };
    const setup = 'ip link set lo up && iptables -A INPUT -p tcp --dport 5999 -j DROP && exec "$0" "$@"';
    return run(["tags", "127.0.0.1:5999/x"], ["unshare", "--net", "sh", "-c", setup]);
  },
  async stalled() {
    const layer = randomBytes(1 << 20);
    return copyCase(layer, (res) => {
      res.writeHead(200, { "content-length": layer.length });
      res.write(layer.subarray(0, layer.length / 2)); // and then nothing
    });
  },
  async slow() {
    // 12 pieces, one a second: 12 s of body, longer than the --timeout 5 this case passes.
    const layer = randomBytes(12 * 1024);
    extra.push("--timeout", "5");
    return copyCase(layer, (res) => {
      res.writeHead(200, { "content-length": layer.length });
      let i = 0;
      const tick = setInterval(() => {
        res.write(layer.subarray(i * 1024, (i + 1) * 1024));
        if (++i === 12) {
          clearInterval(tick);
          res.end();
        }
      }, 1000);
    });
  },
};

for (const [name, run] of Object.entries(cases)) {
  if (only && only !== name) continue;
  console.log(JSON.stringify({ case: name, ...(await run()) }));
}
