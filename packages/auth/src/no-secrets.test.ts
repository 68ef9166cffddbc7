import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { defaultCredentials } from "./default-credentials.js";
import { dockerConfigCredentials } from "./docker-config-credentials.js";
import { parseWwwAuthenticate } from "./parse-www-authenticate.js";
import { podmanAuthFileCredentials } from "./podman-auth-file-credentials.js";
import { repositoryScope } from "./scope.js";
import { staticCredentials } from "./static-credentials.js";
import { b64, fakeSend, tempDir, tokenBody, writeIn } from "./test-helpers.js";
import type { CredentialProvider, Send } from "./types.js";

const PASSWORD = "pw-Sekr1t/4242 +&x";
const HELPER_PASSWORD = "pw-FromHelper-7777";
const IDENTITY_TOKEN = "idt-Refresh-9191";
const REGISTRY_TOKEN = "rt-Static-5353";
const ISSUED_TOKEN = "jwt-Issued-1717";
const PODMAN_PASSWORD = "pw-Podman-3131";
const SECRETS = [
  PASSWORD,
  HELPER_PASSWORD,
  IDENTITY_TOKEN,
  REGISTRY_TOKEN,
  ISSUED_TOKEN,
  PODMAN_PASSWORD,
  b64(`alice:${PASSWORD}`),
  b64(`podman:${PODMAN_PASSWORD}`),
  encodeURIComponent(PASSWORD),
  new URLSearchParams({ p: PASSWORD }).toString().slice(2),
];

const HELPER = `#!/bin/sh
url=$(cat)
case "$url" in
  helper.io) printf '{"ServerURL":"helper.io","Username":"bob","Secret":"${HELPER_PASSWORD}"}' ;;
  leaky.io) printf '{"Username":"bob","Secret":"${HELPER_PASSWORD}"}'; exit 5 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;

/** Runs every flow, collecting everything a user or a log could see. */
async function collect(): Promise<string[]> {
  const seen: string[] = [];
  const log = (line: string) => seen.push(line);
  const record = (error: unknown) => {
    seen.push(String(error), JSON.stringify(error), inspect(error, { depth: 6 }));
    if (error instanceof Error && error.stack) seen.push(error.stack);
  };
  const attempt = async (fn: () => Promise<unknown> | unknown) => {
    try {
      await fn();
    } catch (error) {
      record(error);
    }
  };

  // Files and a real helper.
  const home = await tempDir();
  await writeIn(home, "bin/docker-credential-leaktest", HELPER, 0o755);
  await writeIn(home, ".docker/config.json", {
    credHelpers: { "helper.io": "leaktest", "leaky.io": "leaktest", "missing.io": "notinstalled" },
    auths: {
      "https://index.docker.io/v1/": { auth: b64(`alice:${PASSWORD}`) },
      "idt.io": { identitytoken: IDENTITY_TOKEN },
      "rt.io": { registrytoken: REGISTRY_TOKEN },
      "bad.io": { auth: `${PASSWORD}!!` },
    },
  });
  const authFile = await writeIn(home, "auth.json", {
    auths: { "quay.io/org": { auth: b64(`podman:${PODMAN_PASSWORD}`) } },
  });
  await writeIn(home, "broken/config.json", `{"auths":{"x":{"auth":"${b64(`alice:${PASSWORD}`)}"`);
  const env = { HOME: home, PATH: `${join(home, "bin")}:/usr/bin:/bin`, REGISTRY_AUTH_FILE: authFile };
  const credentials = defaultCredentials(env);

  for (const registry of ["docker.io", "helper.io", "leaky.io", "missing.io", "idt.io", "rt.io", "bad.io"]) {
    await attempt(() => credentials.get(registry));
  }
  await attempt(() => podmanAuthFileCredentials({ env }).get("quay.io", "org/x"));
  await attempt(() => dockerConfigCredentials({ configDir: join(home, "broken"), env }).get("x"));
  await attempt(() => parseWwwAuthenticate(`Bearer realm="x", error_description="${PASSWORD}" junk`));

  // Token servers answering every way, echoing everything they were sent.
  const echo = (status: number): Send =>
    fakeSend((r) => ({
      status,
      body: JSON.stringify({
        errors: [{ code: "DENIED", message: `${r.url} ${r.body ?? ""} ${r.headers.authorization ?? ""}` }],
      }),
    }));
  const ok: Send = fakeSend(() => ({ body: tokenBody(ISSUED_TOKEN, { expires_in: 300 }) }));
  const postFails: Send = fakeSend((r) =>
    r.method === "POST" ? { status: 404 } : { body: tokenBody(ISSUED_TOKEN) },
  );
  const notJson: Send = fakeSend(() => ({ body: `{"token":"${ISSUED_TOKEN}"` }));

  const providers: CredentialProvider[] = [
    credentials,
    staticCredentials({ username: "alice", password: PASSWORD }),
    staticCredentials({ identityToken: IDENTITY_TOKEN }),
    staticCredentials({ registryToken: REGISTRY_TOKEN }),
  ];
  const challenges: [string, string][] = [
    ["docker.io", 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"'],
    ["idt.io", 'Bearer realm="https://idt.io/token",service="idt.io"'],
    ["helper.io", 'Bearer realm="http://helper.io/token",service="helper.io"'],
    ["quay.io", 'Bearer realm="https://quay.io/v2/auth",service="quay.io"'],
    ["ecr.io", 'Basic realm="https://ecr.io/",service="ecr.amazonaws.com"'],
  ];
  for (const send of [ok, postFails, notJson, echo(401), echo(403), echo(400), echo(500)]) {
    for (const provider of providers) {
      for (const oauth of ["auto", "always", "never"] as const) {
        const auth = createAuthenticator({ send, credentials: provider, oauth, log });
        for (const [registry, header] of challenges) {
          const request = { registry, scopes: [repositoryScope("org/x", ["pull", "push"])] };
          await attempt(() => auth.learn(registry, header));
          await attempt(() => auth.authorization(request));
          await attempt(() =>
            auth.challenge({
              ...request,
              wwwAuthenticate: `${header},error="insufficient_scope",scope="repository:org/y:pull"`,
              previous: `Bearer ${ISSUED_TOKEN}`,
            }),
          );
          await attempt(() =>
            auth.challenge({
              ...request,
              wwwAuthenticate: header,
              previous: `Basic ${b64(`alice:${PASSWORD}`)}`,
            }),
          );
          seen.push(JSON.stringify(auth.describe(registry)));
        }
      }
    }
  }
  return seen;
}

describe("no secret ever reaches a log line, an error or a description", () => {
  it("across every flow", async () => {
    const seen = await collect();
    expect(seen.length).toBeGreaterThan(500);
    // The flows did produce errors and logs worth checking.
    expect(seen.some((s) => s.includes("CredentialsError"))).toBe(true);
    expect(seen.some((s) => s.includes("AuthenticationError"))).toBe(true);
    expect(seen.some((s) => s.startsWith("auth: POST"))).toBe(true);
    expect(seen.some((s) => s.startsWith("auth: GET"))).toBe(true);
    const leaks = seen.filter((line) => SECRETS.some((secret) => line.includes(secret)));
    expect(leaks).toEqual([]);
  });
});
