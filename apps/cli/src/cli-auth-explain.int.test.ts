/**
 * `regatta auth explain` as a process (issue 14, item 1), against the real token registry: the steps printed in
 * order, each credential source named as this command line knows it (docker config key, credential helper, -u with
 * REGATTA_PASSWORD), the fix worded in the CLI's flags, --json — and no password or token in any output, also from a
 * registry that echoes them back.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_USERS,
  generateImage,
  type HostileRegistry,
  pushImage,
  startHostileRegistry,
  useRegistry,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
const REPO = "team/app";

/** A HOME whose docker config is `config`, with `docker-credential-<name>` scripts on PATH. */
function home(config: object, helpers: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "regatta-explain-"));
  mkdirSync(join(dir, ".docker"));
  writeFileSync(join(dir, ".docker", "config.json"), JSON.stringify(config));
  mkdirSync(join(dir, "bin"));
  for (const [name, script] of Object.entries(helpers)) {
    const file = join(dir, "bin", `docker-credential-${name}`);
    writeFileSync(file, script);
    chmodSync(file, 0o755);
  }
  return {
    HOME: dir,
    DOCKER_CONFIG: join(dir, ".docker"),
    PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}`,
  };
}

function expectNoSecrets(output: string, secrets: string[]) {
  for (const secret of secrets) expect(output).not.toContain(secret);
  expect(output).not.toMatch(/eyJ[\w-]{8,}\.[\w-]{8,}/);
}

describe("regatta auth explain on the token registry", () => {
  const registry = useRegistry("token");
  beforeAll(async () => {
    const image = await generateImage({ layers: [32], seed: "cli-explain" });
    await pushImage(registry.url, REPO, "1.0", image, { username: USER, password: PASSWORD });
  });
  const ref = () => `${registry.host}/${REPO}:1.0`;

  it("prints the steps in order (two probes with --push), naming the docker config key the credentials came from", async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
    const env = home({ auths: { [registry.host]: { auth } } });
    const result = await regatta(["auth", "explain", ref(), "--push"], { env });
    expect(result.code, result.stderr).toBe(0);
    const titles = result.stdout.split("\n").filter((l) => /^\d+\. /.test(l));
    expect(titles).toEqual([
      "1. challenge",
      "2. credentials",
      "3. token",
      "4. grants",
      "5. probe: pull",
      "6. probe: push",
    ]);
    expect(result.stdout).toContain(`WWW-Authenticate: Bearer realm ${registry.tokenServer!.realm}`);
    expect(result.stdout).toContain("scope asked for this reference: repository:team/app:pull,push");
    expect(result.stdout).toContain(
      `from: auths["${registry.host}"] in ${env.DOCKER_CONFIG}/config.json (docker config, chosen by $DOCKER_CONFIG)`,
    );
    expect(result.stdout).toMatch(
      /GET http:\/\/127\.0\.0\.1:\d+\/token\?service=.* with the username and password -> 200/,
    );
    expect(result.stdout).toContain("access: repository:team/app:pull,push");
    expect(result.stdout).toContain("DELETE of the upload's Location: cancelled, nothing is left behind");
    expect(result.stdout).toMatch(/verdict: pull and push on .*team\/app: allowed\n$/);
    expectNoSecrets(result.stdout + result.stderr, [PASSWORD, auth]);
  });

  it("names a credential helper from credsStore, and -u with REGATTA_PASSWORD", async () => {
    const helper = `#!/bin/sh\necho '{"ServerURL":"x","Username":"${USER}","Secret":"${PASSWORD}"}'\n`;
    const viaHelper = await regatta(["auth", "explain", ref()], {
      env: home({ credsStore: "explaintest" }, { explaintest: helper }),
    });
    expect(viaHelper.code, viaHelper.stderr).toBe(0);
    expect(viaHelper.stdout).toMatch(
      /from: credential helper docker-credential-explaintest, named by credsStore in /,
    );
    const viaFlag = await regatta(["auth", "explain", ref(), "-u", USER], {
      env: { REGATTA_PASSWORD: PASSWORD },
    });
    expect(viaFlag.stdout).toContain(
      `from: the command line (-u ${USER}, the password from REGATTA_PASSWORD)`,
    );
    expectNoSecrets(viaHelper.stdout + viaFlag.stdout + viaFlag.stderr, [PASSWORD]);
  });

  it("a wrong password: the token server's refusal, 401, and the fix in the CLI's words", async () => {
    const wrong = "wrong-Sekr1t-Pw-8642";
    const result = await regatta(["auth", "explain", ref(), "-u", USER, "-p", wrong]);
    // A refused verdict exits as the refused command would: 4, the verdict again on stderr.
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toMatch(/^regatta: pull on .*team\/app: refused \(401\)/);
    expect(result.stdout).toMatch(/no token: .*401/);
    expect(result.stdout).toMatch(/fix: .* refused the credentials of regatta given with -u\/-p: check them/);
    expect(result.stdout).toMatch(/verdict: .*refused \(401\)/);
    expectNoSecrets(result.stdout + result.stderr, [wrong]);
  });

  it("anonymous, asking push: the anonymous token lacks push, and the fix says how to log in", async () => {
    const result = await regatta(["auth", "explain", ref(), "--push"]);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stdout).toContain("from: none found: anonymous");
    expect(result.stdout).toMatch(/missing: push on team\/app was asked for and not granted/);
    expect(result.stdout).toMatch(/pass -u\/-p or run "regatta login 127\.0\.0\.1:\d+"/);
  });

  it("wrong stored credentials: the fix names them without pointing at auth explain itself, exit 4", async () => {
    const auth = Buffer.from(`${USER}:wrong-Stored-Pw-1357`).toString("base64");
    const result = await regatta(["auth", "explain", ref()], {
      env: home({ auths: { [registry.host]: { auth } } }),
    });
    expect(result.code, result.stderr).toBe(4);
    expect(result.stdout).toMatch(/fix: .* refused the stored credentials of regatta for [^ ]+: check them/);
    expect(result.stdout + result.stderr).not.toContain("auth explain says where from");
  });

  it("a repository that does not exist: verdict not found, exit 3 as the command's would", async () => {
    const result = await regatta([
      "auth",
      "explain",
      `${registry.host}/team/none:1.0`,
      "-u",
      USER,
      "-p",
      PASSWORD,
    ]);
    expect(result.stdout).toMatch(/verdict: .*not found \(404\)/);
    expect(result.code, result.stderr).toBe(3);
  });

  it("--json prints the report", async () => {
    const result = await regatta(["auth", "explain", ref(), "-u", USER, "-p", PASSWORD, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ verdict: "ok", repository: REPO, actions: ["pull"] });
    expect(report.steps.map((s: { title: string }) => s.title)).toEqual([
      "challenge",
      "credentials",
      "token",
      "grants",
      "probe",
    ]);
    expectNoSecrets(result.stdout + result.stderr, [PASSWORD]);
  });
});

describe("regatta auth explain on a registry that echoes secrets", () => {
  let hostile: HostileRegistry | undefined;
  afterEach(async () => {
    await hostile?.close();
    hostile = undefined;
  });

  for (const scheme of ["basic", "bearer"] as const) {
    for (const flags of [[], ["--json"], ["-v"]]) {
      it(`${scheme} ${flags.join(" ") || "(plain)"}: nothing it echoes is printed`, async () => {
        hostile = await startHostileRegistry({ behaviour: "echo-secrets", scheme });
        const password = "echo-Sekr1t-Pw-5150";
        const result = await regatta([
          "auth",
          "explain",
          `${hostile.host}/team/app:1.0`,
          "--push",
          "-u",
          "alice",
          "-p",
          password,
          ...flags,
        ]);
        // Its pull answers 404 (no such image, no refusal when asked about a push: the push makes it); its push is
        // refused, which decides the verdict: exit 4, as the push's would.
        expect(result.code, result.stderr).toBe(4);
        // The echo reached the output (the registry's words on the refused push), scrubbed.
        expect(result.stdout).toMatch(/denied: you sent Authorization/);
        const sent = hostile.requests.flatMap((r) => (r.headers.authorization ?? "").split(" ").slice(1));
        expect(sent.length).toBeGreaterThan(0);
        expectNoSecrets(result.stdout + result.stderr, [password, ...sent]);
      });
    }
  }
});
