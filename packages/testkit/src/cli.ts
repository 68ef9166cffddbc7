#!/usr/bin/env node
/**
 * Test-kit CLI for scripts (demo, bench). Commands:
 *
 *   start-registry [--auth none|basic|token] [--no-delete] [--user NAME:PASSWORD]... [--log-level LEVEL]
 *       Starts distribution, prints one JSON line {url, host, port, dataDir, auth, users, tokenServer?}, and runs
 *       until SIGTERM/SIGINT, then stops it and removes its data.
 *   start-token-server [--user NAME:PASSWORD]... [--ttl SECONDS]
 *       Same for a token server alone: prints {url, realm, service, issuer}.
 *   push-generated --url URL --repository NAME [--tag TAG] [--layers N] [--platforms P1,P2] [--media-types oci|docker]
 *                  [--seed SEED] [--username U --password P]
 *       Generates an image (or an index when --platforms lists several) and pushes it; prints the digest JSON.
 *
 * Imports the modules directly (not the package index) so that vitest is never loaded.
 */
import { parseArgs } from "node:util";
import { generateImage, generateIndex } from "./generate-image.js";
import { pushImage } from "./push-image.js";
import { type RegistryAuth, startRegistry } from "./start-registry.js";
import { startTokenServer } from "./token-server.js";

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      auth: { type: "string", default: "none" },
      "no-delete": { type: "boolean", default: false },
      user: { type: "string", multiple: true },
      "log-level": { type: "string", default: "error" },
      ttl: { type: "string" },
      url: { type: "string" },
      repository: { type: "string" },
      tag: { type: "string", default: "latest" },
      layers: { type: "string", default: "2" },
      platforms: { type: "string", default: "linux/amd64" },
      "media-types": { type: "string", default: "oci" },
      seed: { type: "string", default: "regatta" },
      username: { type: "string" },
      password: { type: "string" },
    },
  });
  const users = values.user
    ? Object.fromEntries(
        values.user.map((u) => {
          const colon = u.indexOf(":");
          if (colon < 1) throw new Error(`--user expects NAME:PASSWORD, got ${u}`);
          return [u.slice(0, colon), u.slice(colon + 1)];
        }),
      )
    : undefined;

  switch (command) {
    case "start-registry": {
      const auth = values.auth as RegistryAuth;
      if (!["none", "basic", "token"].includes(auth)) throw new Error(`--auth must be none, basic or token`);
      const registry = await startRegistry({
        auth,
        deleteEnabled: !values["no-delete"],
        ...(users ? { users } : {}),
        logLevel: values["log-level"] as "error",
      });
      const { tokenServer } = registry;
      print({
        url: registry.url,
        host: registry.host,
        port: registry.port,
        dataDir: registry.dataDir,
        auth: registry.auth,
        users: registry.users,
        ...(tokenServer
          ? {
              tokenServer: {
                url: tokenServer.url,
                realm: tokenServer.realm,
                service: tokenServer.service,
                issuer: tokenServer.issuer,
              },
            }
          : {}),
      });
      await untilSignal();
      await registry.stop();
      return;
    }
    case "start-token-server": {
      const server = await startTokenServer({
        ...(users ? { users } : {}),
        ...(values.ttl ? { tokenTtlSeconds: Number(values.ttl) } : {}),
      });
      print({ url: server.url, realm: server.realm, service: server.service, issuer: server.issuer });
      await untilSignal();
      await server.close();
      return;
    }
    case "push-generated": {
      if (!values.url || !values.repository) throw new Error("push-generated needs --url and --repository");
      const platforms = values.platforms.split(",").filter(Boolean);
      const mediaTypes = values["media-types"] === "docker" ? "docker" : "oci";
      const common = { layers: Number(values.layers), seed: values.seed, mediaTypes } as const;
      const image =
        platforms.length > 1
          ? await generateIndex({ ...common, platforms })
          : await generateImage({ ...common, platform: platforms[0] ?? "linux/amd64" });
      const result = await pushImage(values.url, values.repository, values.tag, image, {
        ...(values.username !== undefined ? { username: values.username } : {}),
        ...(values.password !== undefined ? { password: values.password } : {}),
      });
      print({ repository: values.repository, tag: values.tag, ...result });
      return;
    }
    default:
      throw new Error(
        `unknown command ${JSON.stringify(command)}: start-registry, start-token-server, push-generated`,
      );
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGTERM", done);
      process.off("SIGINT", done);
      resolve();
    };
    process.on("SIGTERM", done);
    process.on("SIGINT", done);
  });
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
