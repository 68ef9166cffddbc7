import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, createReadStream, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import {
  DEFAULT_USERS,
  generateImage,
  generateIndex,
  harSchemaErrors,
  pushImage,
  useRegistry,
} from "@regatta/testkit";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startRepl } from "../src/index.js";
import { type DrivenRepl, driveRepl } from "./drive-repl.js";

describe("the REPL against a real registry (anonymous)", () => {
  const registry = useRegistry("none");
  let repl: DrivenRepl;

  beforeAll(async () => {
    const image = await generateImage({ layers: 2, labels: { team: "api" } });
    await pushImage(registry.url, "team/api", "1.0", image);
    await pushImage(registry.url, "team/api", "latest", image);
    await pushImage(
      registry.url,
      "team/web",
      "2.0",
      await generateIndex({ platforms: ["linux/amd64", "linux/arm64"] }),
    );
    await pushImage(registry.url, "other/thing", "stable", await generateImage({ seed: 2 }));
  });
  // A REPL of its own per test (no variable, no `.verbose`, no cached name carries over), so any test runs alone
  // (`-t`) or in any order (`--sequence.shuffle`). The registry is only read here.
  beforeEach(async () => {
    repl = await driveRepl({ registry: registry.url });
  });
  afterEach(() => repl?.close());

  it("greets with the registry it is connected to", () => {
    expect(repl.screen()).toContain(`reg → ${registry.url}`);
  });

  it("supports top-level await, and keeps what a declaration bound", async () => {
    expect(await repl.send('const tags = await reg.allTags("team/api")')).toBe("");
    expect(await repl.send("tags.length")).toBe("2");
    expect(await repl.send('await reg.digest("team/api:1.0")')).toMatch(/^'sha256:[0-9a-f]{64}'$/);
  });

  it("awaits a bare promise and prints its value: tags as a compact list", async () => {
    const out = await repl.send('reg.tags("team/api")');
    expect(out.split("\n")).toEqual([
      "team/api 2 tags",
      expect.stringMatching(/^ {2}(1\.0|latest) +(1\.0|latest)$/),
    ]);
  });

  it("prints a manifest as JSON under its digest, an index summary as a table, a blob as a one-line summary", async () => {
    const manifest = await repl.send('reg.manifest("team/api:1.0")');
    expect(manifest).toMatch(/^reference: +.*team\/api:1\.0@sha256:/);
    expect(manifest).toContain('"schemaVersion": 2');
    const summary = await repl.send('reg.inspect("team/web:2.0")');
    expect(summary).toMatch(
      /PLATFORM +DIGEST +SIZE\nlinux\/amd64 +sha256:[0-9a-f]{12} +[\d.]+ kB\nlinux\/arm64/,
    );
    const blob = await repl.send(
      'reg.blob("team/api", (await reg.manifest("team/api:1.0")).manifest.layers[0].digest)',
    );
    expect(blob).toMatch(/^Blob .*team\/api@sha256:[0-9a-f]{64}\nnot fetched, never dumped here/);
  });

  it("methods print as what they are; help(reg.copy), reg.copy.help and help() explain the calls", async () => {
    expect(await repl.send("reg.copy")).toMatch(
      /^\[regatta method copy\(source, target, options\?\)\] an image or index copied/,
    );
    const page = await repl.send("help(reg.copy)");
    expect(page).toMatch(/^reg\.copy\(source, target, options\?\)\n/);
    expect(page).toContain("referrers: carry signatures and SBOMs too");
    expect(page).toMatch(/\n {2}example: reg\.copy\("team\/api:1\.0"/);
    expect(await repl.send("reg.copy.help")).toBe(page);
    expect(await repl.send('help("deleteManifest")')).toMatch(/^reg\.deleteManifest\(reference, options\?\)/);
    const all = await repl.send("help()");
    for (const line of [
      "write",
      "delete",
      "reg.deleteTag(reference, options?)",
      "reg.pushArtifact(reference, options)",
    ])
      expect(all).toContain(line);
  });

  it("prints an index as a tree: each platform's image, its config and layers with sizes", async () => {
    const out = (await repl.send('reg.manifest("team/web:2.0")')).split("\n");
    expect(out[0]).toMatch(/^reference: +.*team\/web:2\.0@sha256:/);
    const tree = out.slice(out.findIndex((l) => l.startsWith("index ")));
    expect(tree[0]).toBe("index 2 manifests");
    // One layer is "1 layer" (countNoun), never "1 layers".
    expect(tree[1]).toMatch(
      /^ {2}├── linux\/amd64 +sha256:[0-9a-f]{12} {2}[\d.]+ k?B {2}(?:1 layer|\d+ layers)$/,
    );
    expect(tree[1]).not.toMatch(/ 1 layers$/);
    expect(tree[2]).toMatch(
      /^ {2}│ {3}├── config +sha256:[0-9a-f]{12} +[\d.]+ k?B {2}(?:config\.)?v1\+json$/,
    );
    expect(tree).toContainEqual(
      expect.stringMatching(
        /^ {2}│ {3}└── layer +sha256:[0-9a-f]{12} +[\d.]+ k?B {2}(?:layer\.v1\.tar\+gzip|diff\.tar\.gzip)$/,
      ),
    );
    expect(tree).toContainEqual(expect.stringMatching(/^ {2}└── linux\/arm64 /));
    expect(tree.at(-1)).toBe("the JSON: _.manifest; the exact bytes: _.bytes");
    expect(await repl.send("_.manifest.manifests.length")).toBe("2");
  });

  it("prints an inventory as the CLI's table, and a diff as the CLI's report", async () => {
    const inventory = (await repl.send('reg.inventory("team/api")')).split("\n");
    expect(inventory[0]).toBe(`${registry.host}/team/api 2 tags, 1 shared digests; _.tags holds the rows`);
    expect(inventory.slice(1).join("\n")).toMatch(/^TAG +DIGEST/);
    expect(inventory.filter((l) => /^(1\.0|latest) +sha256:[0-9a-f]{12}/.test(l))).toHaveLength(2);
    const diff = await repl.send('reg.diff("team/api:1.0", "other/thing:stable")');
    expect(diff).toMatch(/^A +.*team\/api:1\.0/m);
    expect(diff).toMatch(/^B +.*other\/thing:stable/m);
    expect(await repl.send("_.identical")).toBe("false");
  });

  it(".platform sets the platform every call means; .platform none drops it", async () => {
    expect(await repl.send(".platform linux/arm64")).toBe(
      "every call of reg means linux/arm64 from now on (clients opened later too)",
    );
    expect(await repl.send('reg.inspect("team/web:2.0")')).toMatch(
      /^reference: .*\n(?:.*\n)*platform: +linux\/arm64\n/,
    );
    expect(await repl.send(".platform")).toBe(
      "every call of reg means linux/arm64; .platform none to drop it",
    );
    expect(await repl.send(".platform none")).toBe("platform dropped: reg means no platform");
    expect(await repl.send('reg.inspect("team/web:2.0")')).toMatch(/PLATFORM +DIGEST +SIZE\nlinux\/amd64/);
    expect(await repl.send(".platform not/a/plat/form")).toMatch(/^✖ /);
  });

  it(".save FILE writes the last result: a manifest's exact bytes, a blob verified, anything else as JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-repl-save-"));
    await repl.send('const m = await reg.manifest("team/api:1.0")');
    await repl.send("m");
    expect(await repl.send(`.save ${join(dir, "manifest.json")}`)).toMatch(
      /^wrote \d+ bytes to .*manifest\.json \(the exact bytes of sha256:[0-9a-f]{64}\)$/,
    );
    const digest = await repl.send("m.digest");
    const saved = readFileSync(join(dir, "manifest.json"));
    expect(`'sha256:${createHash("sha256").update(saved).digest("hex")}'`).toBe(digest);
    await repl.send('reg.blob("team/api@" + m.manifest.layers[0].digest)');
    expect(await repl.send(`.save ${join(dir, "layer.tgz")}`)).toMatch(
      /\(blob sha256:[0-9a-f]{64}, verified\)$/,
    );
    await repl.send('reg.tags("team/api")');
    expect(await repl.send(`.save ${join(dir, "tags.json")}`)).toMatch(/\(JSON\)$/);
    expect(JSON.parse(readFileSync(join(dir, "tags.json"), "utf8")).tags.sort()).toEqual(["1.0", "latest"]);
  });

  it(".save into a FIFO nobody reads says so once, then writes when a reader comes (a blob, then JSON)", async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), "regatta-repl-save-")), "pipe");
    execFileSync("mkfifo", [fifo]);
    await repl.send('const m = await reg.manifest("team/api:1.0")');
    for (const value of ['reg.blob("team/api@" + m.manifest.layers[0].digest)', 'reg.tags("team/api")']) {
      await repl.send(value);
      const from = repl.screen().length;
      const saving = repl.send(`.save ${fifo}`);
      // The reader comes only once the wait was said: without the notice the save would wait for ever.
      await repl.waitFor((text) => text.includes("waiting for a reader of the FIFO"), from);
      const chunks: Buffer[] = [];
      const read = new Promise<void>((resolve, reject) =>
        createReadStream(fifo)
          .on("data", (c) => chunks.push(c as Buffer))
          .on("end", resolve)
          .on("error", reject),
      );
      const said = await saving;
      await read;
      expect(said.split("waiting for a reader of the FIFO")).toHaveLength(2);
      expect(said).toMatch(/\nwrote \d+ bytes to .*pipe/);
      expect(Buffer.concat(chunks).length).toBeGreaterThan(0);
    }
  });

  it("completes a repository name from the catalog inside a string argument", async () => {
    const from = repl.screen().length;
    repl.type('reg.tags("oth\t');
    await repl.waitFor((t) => t.includes('reg.tags("other/thing'), from);
    const out = await repl.send('")');
    expect(out).toBe("other/thing 1 tag\n  stable");
  });

  it("completes a tag name after the colon", async () => {
    const from = repl.screen().length;
    repl.type('reg.digest("team/api:la\t');
    await repl.waitFor((t) => t.includes('reg.digest("team/api:latest'), from);
    expect(await repl.send('")')).toMatch(/^'sha256:[0-9a-f]{64}'$/);
  });

  it("completes the client's method names", async () => {
    const from = repl.screen().length;
    repl.type("reg.all\t");
    await repl.waitFor((t) => t.includes("reg.allTags"), from);
    expect(await repl.send('("other/thing")')).toBe("1 item\n  stable");
  });

  it("prints an error for an unknown repository as one line with the OCI code, and goes on", async () => {
    const out = await repl.send('reg.tags("no/such-repo")');
    expect(out.split("\n")).toHaveLength(1);
    expect(out).toMatch(/^✖ list tags of .*no\/such-repo: .*NAME_UNKNOWN/);
    expect(await repl.send("1 + 1")).toBe("2");
  });

  it("shows the HTTP exchange with .verbose on", async () => {
    expect(await repl.send(".verbose on")).toBe("verbose HTTP log on");
    const out = await repl.send('reg.tags("no/such-repo")');
    expect(out).toContain("> GET http://");
    expect(out).toContain("< 404 Not Found");
    expect(out).toContain("registry error: NAME_UNKNOWN");
    expect(await repl.send(".verbose off")).toBe("verbose HTTP log off");
  });

  it("answers .whoami for an anonymous registry", async () => {
    expect(await repl.send(".whoami")).toBe(
      `registry: ${registry.host} (${registry.url})\nauth:     none\nuser:     anonymous`,
    );
  });
});

describe("Ctrl-C", () => {
  // A registry that answers the ping and then never answers anything again.
  const pending: IncomingMessage[] = [];
  const closed: string[] = [];
  const slow = createServer((req, res) => {
    if (req.url === "/v2/") {
      res.writeHead(200, { "Docker-Distribution-API-Version": "registry/2.0" }).end("{}");
      return;
    }
    pending.push(req);
    res.on("close", () => closed.push(req.url ?? ""));
  });
  let repl: DrivenRepl;

  beforeAll(async () => {
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  });
  beforeEach(async () => {
    pending.length = 0;
    closed.length = 0;
    const { port } = slow.address() as AddressInfo;
    repl = await driveRepl({ registry: `http://127.0.0.1:${port}` });
  });
  afterEach(async () => {
    await repl?.close();
    slow.closeAllConnections();
  });
  afterAll(async () => {
    await new Promise((resolve) => slow.close(resolve));
  });

  it("aborts the request in flight through its AbortSignal and keeps the session", async () => {
    const from = repl.screen().length;
    repl.type('reg.tags("slow/repo")\r');
    await waitUntil(() => pending.length === 1);
    repl.type("\x03");
    const out = await repl.waitFor((t) => /\n[\w.:]+> $/.test(t), from);
    expect(out).toMatch(/✖ interrupted \(Ctrl-C\); requests in flight were aborted \(ABORTED\)/);
    // The transport dropped the connection: the server saw the request go away.
    await waitUntil(() => closed.includes("/v2/slow/repo/tags/list"));
    expect(await repl.send("40 + 2")).toBe("42");
  });

  it("stops waiting for any promise, and a Ctrl-C with nothing in flight only clears the line", async () => {
    const from = repl.screen().length;
    repl.type("new Promise(() => {})\r");
    await new Promise((resolve) => setTimeout(resolve, 100));
    repl.type("\x03");
    await repl.waitFor((t) => t.includes("interrupted (Ctrl-C)") && /\n[\w.:]+> $/.test(t), from);
    repl.type("half a line\x03");
    await repl.waitFor((t) => t.endsWith("> "), from);
    expect(await repl.send('"still here"')).toBe("'still here'");
  });
});

describe("Ctrl-C while the registry given is pinged at start-up", () => {
  // A host that accepts the connection and never answers (the ping waited 31 s; Ctrl-C ended the process).
  const sockets = new Set<Socket>();
  const silent = createNetServer((socket) => {
    sockets.add(socket);
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("skips the ping and gives the prompt, saying the registry did not answer; what was typed meanwhile runs", async () => {
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    const repl = await driveRepl({
      registry: `http://127.0.0.1:${port}`,
      starting: (type) => {
        setTimeout(() => type("6 * 7\r"), 200);
        setTimeout(() => type("\x03"), 400);
      },
    });
    try {
      expect(Date.now() - started).toBeLessThan(5_000);
      const screen = await repl.waitFor((t) => /\n42\n[\w.:]+> $/.test(t));
      expect(screen).toContain(`http://127.0.0.1:${port} did not answer (Ctrl-C skipped the check)`);
      expect(screen).toContain(".connect URL for another registry");
      expect(screen).not.toContain("✖");
      expect(repl.running.failures).toBe(0);
      expect(await repl.send("40 + 2")).toBe("42");
    } finally {
      await repl.close();
    }
  });
});

describe("secrets (Basic auth registry)", () => {
  const registry = useRegistry("basic");
  const [[username, password]] = Object.entries(DEFAULT_USERS) as [[string, string]];
  let historyFile: string;
  let repl: DrivenRepl | undefined;

  beforeEach(() => {
    historyFile = join(mkdtempSync(join(tmpdir(), "regatta-repl-home-")), ".regatta_repl_history");
  });

  beforeAll(async () => {
    await pushImage(registry.url, "team/api", "1.0", await generateImage(), { username, password });
  });
  afterEach(async () => {
    await repl?.close();
    repl = undefined;
  });

  it("never prints the --password value nor stores it, .login input, or a password: literal in history", async () => {
    repl = await driveRepl({ registry: registry.url, options: { username, password }, historyFile });
    // The start-up checked the credentials, so the client already knows as whom it speaks.
    expect(await repl.send(".whoami")).toMatch(`\nuser:     ${username}`);
    expect(await repl.send("reg.repositories()")).toBe("1 item\n  team/api");
    expect(await repl.send(".whoami")).toBe(
      `registry: ${registry.host} (${registry.url})\nauth:     basic (realm Registry Realm)\nuser:     ${username}\nfrom:     given to the client explicitly (the command line's -u/--password, or connect() options)`,
    );

    // .login: the username is echoed, the password is not.
    const answer = await login(repl, username, password);
    expect(answer).toContain(`Username: ${username}\n`);
    expect(answer).toContain(`logged in to ${registry.host} as ${username}`);

    // A literal password on a line: kept out of the history (it is echoed, since the user typed it).
    expect(
      await repl.send(
        'const other = createClient("localhost:5999", { username: "u", password: "typed-literal" })',
      ),
    ).toBe("");
    expect(await repl.send('reg.tags("team/api")')).toBe("team/api 1 tag\n  1.0");
    // A result that happens to spell a known secret is redacted.
    expect(await repl.send('["regatta", "secret"].join("-")')).toBe("'***'");

    expect(repl.screen()).not.toContain(password);
    await repl.close();
    repl = undefined;
    const history = readFileSync(historyFile, "utf8").split("\n");
    expect(history).toEqual([
      '["regatta", "secret"].join("-")',
      'reg.tags("team/api")',
      ".login",
      ".whoami",
      "reg.repositories()",
      ".whoami",
    ]);
    expect(readFileSync(historyFile, "utf8")).not.toMatch(/regatta-secret|typed-literal|password/);
  });

  it("reloads the history, and Ctrl-C cancels a .login question", async () => {
    // The history of an earlier session, written here so this test needs no other (newest line first).
    writeFileSync(historyFile, ['["regatta", "secret"].join("-")', 'reg.tags("team/api")'].join("\n"), {
      mode: 0o600,
    });
    repl = await driveRepl({ registry: registry.url, historyFile });
    const from = repl.screen().length;
    repl.type(".login\r");
    await repl.waitFor((t) => t.endsWith("Username: "), from);
    repl.type("\x03");
    await repl.waitFor((t) => /\n[\w.:]+> $/.test(t), from);
    // Up-arrow: first `.login`, then the last line of the previous session.
    repl.type("\x1b[A\x1b[A");
    const recalled = await repl.waitFor((t) => t.endsWith('["regatta", "secret"].join("-")'), from);
    expect(recalled).toContain(".login");
    // and the cancelled question kept nothing: the file still holds the earlier session, `.login` first.
    await repl.close();
    repl = undefined;
    expect(readFileSync(historyFile, "utf8").split("\n")).toEqual([
      ".login",
      '["regatta", "secret"].join("-")',
      'reg.tags("team/api")',
    ]);
  });
});

describe("Ctrl-D at a .login question", () => {
  const registry = useRegistry("basic");

  it("cancels the login, as Ctrl-C does, instead of ending the REPL (at the Password and the Username question)", async () => {
    const repl = await driveRepl({ registry: registry.url });
    try {
      for (const [line, question] of [
        [".login alice", "Password: "],
        [".login", "Username: "],
      ] as const) {
        const from = repl.screen().length;
        repl.type(`${line}\r`);
        await repl.waitFor((t) => t.endsWith(question), from);
        repl.type("\x04");
        const after = await repl.waitFor((t) => /\n[\w.:]+> $/.test(t), from);
        expect(after).not.toMatch(/logged in|✖/);
      }
      expect(await repl.send("6 * 7")).toBe("42");
      expect(await repl.send(".whoami")).toMatch(/user: +anonymous/);
    } finally {
      await repl.close();
    }
  });
});

describe("secrets learnt late, URLs with a password, and .login with its password in one chunk (Basic auth)", () => {
  const registry = useRegistry("basic");
  const [[username, password]] = Object.entries(DEFAULT_USERS) as [[string, string]];
  const refused = "Zz9WrongSecret";
  let historyFile: string;
  let repl: DrivenRepl | undefined;
  /** What up-arrow recalls (readline's history, newest first). */
  const memory = () => {
    if (!repl) throw new Error("no REPL running");
    return (repl.running.server as unknown as { history: string[] }).history;
  };

  beforeEach(() => {
    historyFile = join(mkdtempSync(join(tmpdir(), "regatta-repl-home-")), ".regatta_repl_history");
  });
  beforeAll(async () => {
    await pushImage(registry.url, "team/api", "1.0", await generateImage({ seed: "late" }), {
      username,
      password,
    });
  });
  afterEach(async () => {
    await repl?.close();
    repl = undefined;
  });

  it("a password put in a variable before connect() leaves the history, in memory and in the file, accepted or refused", async () => {
    repl = await driveRepl({ registry: registry.url, historyFile });
    await repl.send(`const pw = "${password}"`);
    await repl.send(`const creds = ["${username}", "${refused}"]`);
    // The same password as a server would echo it, base64 of `user:password`: recognised as well.
    await repl.send(`const basic = "${Buffer.from(`${username}:${password}`).toString("base64")}"`);
    await repl.send("1 + 1");
    expect(memory()).toContain(`const pw = "${password}"`);
    expect(
      await repl.send(
        `const r2 = await connect("${registry.url}", { username: "${username}", password: pw })`,
      ),
    ).toBe("");
    // At once: in memory (up-arrow) and rewritten in the file, before any other line. (The connect() line itself
    // holds a `password:` literal, so it never entered.)
    expect(memory()).toEqual(["1 + 1", `const creds = ["${username}", "${refused}"]`]);
    expect(readFileSync(historyFile, "utf8")).not.toContain(password);
    expect(statSync(historyFile).mode & 0o777).toBe(0o600);

    // A refused password was given as a password all the same.
    expect(
      await repl.send(`await connect("${registry.url}", { username: creds[0], password: creds[1] })`),
    ).toMatch(/refused the credentials/);
    expect(memory().join("\n")).not.toContain(refused);
    repl.type(".exit\r");
    await repl.running.closed;
    repl = undefined;
    const file = readFileSync(historyFile, "utf8");
    expect(file).not.toContain(password);
    expect(file).not.toContain(refused);
    expect(file.split("\n")).toEqual([".exit", "1 + 1"]);
  });

  it("a line with a password in a URL's userinfo never enters the history, even without a history file", async () => {
    repl = await driveRepl({ registry: registry.url });
    expect(await repl.send(`.connect http://alice:Userinfo8PW@${registry.host}`)).toMatch(
      /credentials do not belong/,
    );
    expect(await repl.send(`const u = await connect("http://alice:Userinfo9PW@${registry.host}")`)).toMatch(
      /credentials do not belong/,
    );
    await repl.send('"a line to keep"');
    expect(memory()).toEqual(['"a line to keep"']);
    // And the password in it is a secret from then on.
    expect(await repl.send('"Userinfo9PW"')).toBe("'***'");
  });

  it(".login USER with the password in the same paste takes the next line as the password, hidden and kept out of history", async () => {
    repl = await driveRepl({ registry: registry.url, historyFile });
    const from = repl.screen().length;
    repl.type(`.login ${username}\r${password}\r`);
    const out = await repl.waitFor((t) => /logged in to .*\n[\w.:]+> $/.test(t), from);
    expect(out).not.toMatch(/ReferenceError|is not defined/);
    expect(out).toContain(`logged in to ${registry.host} as ${username}`);
    // The same with the username asked for.
    const next = repl.screen().length;
    repl.type(`.login\r${username}\r${password}\r`);
    expect(await repl.waitFor((t) => /logged in to .*\n[\w.:]+> $/.test(t), next)).toContain(
      `Username: ${username}`,
    );
    expect(await repl.send('reg.tags("team/api")')).toBe("team/api 1 tag\n  1.0");
    expect(repl.screen()).not.toContain(password);
    expect(memory()).toEqual(['reg.tags("team/api")', ".login", `.login ${username}`]);
    expect(readFileSync(historyFile, "utf8")).not.toContain(password);
  });

  it(".login USER PASSWORD on one line is refused: nothing sent, the password never shown as a username, kept secret", async () => {
    repl = await driveRepl({ registry: registry.url, historyFile });
    const out = await repl.send(`.login ${username} ${password}`);
    expect(out).toContain(".login takes one USER");
    expect(out).not.toContain(password);
    // No question was asked and no login happened: .whoami names no user, let alone the password as one.
    const who = await repl.send(".whoami");
    expect(who).not.toContain(password);
    expect(who).not.toContain(`${username} `);
    // What followed USER is a secret from now on, in output and in history.
    expect(await repl.send(`"${password}"`)).toBe("'***'");
    expect(memory().join("\n")).not.toContain(password);
    expect(readFileSync(historyFile, "utf8")).not.toContain(password);
  });

  it(".login USER and its password piped in one chunk (no terminal): the password is not run as code", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let screen = "";
    output.on("data", (chunk: Buffer) => {
      screen += chunk.toString("utf8");
    });
    const running = await startRepl({ registry: registry.url, input, output, terminal: false });
    try {
      input.write(`.login ${username}\n${password}\n`);
      await waitUntil(() => screen.includes("logged in"));
      input.write(".whoami\n");
      await waitUntil(() => /user: +\S+/.test(screen));
      expect(screen).toContain(`logged in to ${registry.host} as ${username}`);
      expect(screen).toMatch(new RegExp(`user: +${username}`));
      expect(screen).not.toMatch(/ReferenceError|is not defined/);
      expect(screen).not.toContain(password);
    } finally {
      await running.close();
    }
  });

  it("a history file readable by others is made 0600 when the REPL opens it, and its secrets are dropped at once", async () => {
    writeFileSync(historyFile, ['reg.tags("team/api")', `const old = "${password}"`].join("\n"), {
      mode: 0o644,
    });
    // writeFileSync's mode is filtered by the umask; make sure the file starts world-readable.
    chmodSync(historyFile, 0o644);
    repl = await driveRepl({ registry: registry.url, historyFile, options: { username, password } });
    expect(statSync(historyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(historyFile, "utf8")).toBe('reg.tags("team/api")');
  });
});

/** Answers `.login`'s two questions and returns what the REPL printed up to the next prompt. */
async function login(repl: DrivenRepl, user: string, secret: string): Promise<string> {
  const from = repl.screen().length;
  repl.type(".login\r");
  await repl.waitFor((t) => t.endsWith("Username: "), from);
  repl.type(`${user}\r`);
  await repl.waitFor((t) => t.endsWith("Password: "), from);
  repl.type(`${secret}\r`);
  return repl.waitFor((t) => /\n[\w.:]+> $/.test(t), from);
}

/**
 * Credentials the registry refuses are never kept (issue 10, item 15), on the two real auth variants: htpasswd
 * Basic, and Bearer with the test kit's token server (where anonymous callers may pull but not list the catalog).
 */
describe.each(["basic", "token"] as const)("wrong credentials are rolled back (%s registry)", (auth) => {
  const registry = useRegistry(auth);
  const [[username, password]] = Object.entries(DEFAULT_USERS) as [[string, string]];
  const mistyped = "mistyped-pass-0815";
  let repl: DrivenRepl | undefined;

  beforeAll(async () => {
    await pushImage(registry.url, "team/api", "1.0", await generateImage({ seed: "rollback" }), {
      username,
      password,
    });
  });
  afterEach(async () => {
    await repl?.close();
    repl = undefined;
  });

  it("reg.explainAuth prints the steps and the verdict; .whoami says where the credentials came from", async () => {
    repl = await driveRepl({ registry: registry.url, options: { username, password } });
    const out = (await repl.send('reg.explainAuth("team/api:1.0", { push: true })')).split("\n");
    expect(out[0]).toBe(`auth explain ${registry.host}/team/api:1.0 (pull,push)`);
    expect(out).toContainEqual("1. challenge");
    expect(out).toContainEqual("2. credentials");
    expect(out).toContainEqual("5. probe: pull");
    expect(out).toContainEqual("6. probe: push");
    expect(out.at(-1)).toMatch(/^verdict: /);
    expect(out.join("\n")).not.toContain(password);
    expect(await repl.send(".whoami")).toMatch(/\nfrom: {5}\S/);
  });

  it(".har FILE saves the session's exchanges as HAR 1.2, with neither the password nor a token in it", async () => {
    repl = await driveRepl({ registry: registry.url, options: { username, password } });
    expect(await repl.send('reg.tags("team/api")')).toBe("team/api 1 tag\n  1.0");
    await repl.send('await reg.manifest("team/api:1.0")');
    const dir = mkdtempSync(join(tmpdir(), "regatta-repl-har-"));
    const file = join(dir, "session.har");
    expect(await repl.send(`.har ${file}`)).toMatch(
      /^wrote \d+ HTTP exchanges to .*session\.har \(secrets redacted\)$/,
    );
    const text = readFileSync(file, "utf8");
    const har = JSON.parse(text);
    expect(harSchemaErrors(har)).toEqual([]);
    const urls = har.log.entries.map((e: { request: { url: string } }) => e.request.url);
    expect(urls).toContainEqual(expect.stringMatching(/\/v2\/team\/api\/tags\/list$/));
    expect(urls).toContainEqual(expect.stringMatching(/\/v2\/team\/api\/manifests\/1\.0$/));
    expect(text).not.toContain(password);
    expect(text).not.toMatch(/eyJ[\w-]{8,}\.[\w-]{8,}/);
    expect(text).not.toMatch(/"(?:Basic|Bearer) (?!REDACTED|realm=)/);
    // Under a file, not a directory: one line saying so, and the session goes on.
    expect(await repl.send(`.har ${join(file, "x.har")}`)).toMatch(/^✖ .*session\.har/);
    expect(await repl.send(".har clear")).toBe("HAR recording cleared");
    expect(await repl.send(".har")).toMatch(/^0 HTTP exchanges recorded/);
  });

  it(".save FILE masks what the screen masks, in a 0600 file; an object typed in the REPL saves as its JSON", async () => {
    repl = await driveRepl({ registry: registry.url, options: { username, password } });
    const basic = Buffer.from(`${username}:${password}`).toString("base64");
    const dir = mkdtempSync(join(tmpdir(), "regatta-repl-save-"));
    // A result built in the REPL (its own realm: plain object, Map) that holds the password and the Basic value.
    await repl.send(
      `const o = { a: 1, p: ${JSON.stringify(password)}, b: ${JSON.stringify(basic)}, m: new Map([["k", 2]]) }`,
    );
    expect(await repl.send("o")).not.toContain(password);
    expect(await repl.send(`.save ${join(dir, "o.json")}`)).toMatch(/\(JSON\)$/);
    const text = readFileSync(join(dir, "o.json"), "utf8");
    expect(text).not.toContain(password);
    expect(text).not.toContain(basic);
    expect(JSON.parse(text)).toMatchObject({ a: 1, m: { k: 2 } });
    expect(statSync(join(dir, "o.json")).mode & 0o777).toBe(0o600);
    // An error the user built: saved as its text, masked as on screen.
    await repl.send('new AggregateError([], "agg " + o.p)');
    await repl.send(`.save ${join(dir, "agg.txt")}`);
    expect(readFileSync(join(dir, "agg.txt"), "utf8")).toMatch(/^"AggregateError: agg \*\*\*"/);
    // A string: text, masked too.
    await repl.send('"pw=" + o.p');
    expect(await repl.send(`.save ${join(dir, "s.txt")}`)).toMatch(/\(text\)$/);
    expect(readFileSync(join(dir, "s.txt"), "utf8")).toBe("pw=***");
  });

  it("a mistyped .login password is refused and the good credentials stay", async () => {
    repl = await driveRepl({ registry: registry.url, options: { username, password } });
    const out = await login(repl, username, mistyped);
    expect(out).toMatch(
      new RegExp(`✖ ${registry.host} refused the credentials of ${username} \\(HTTP 401\\)`),
    );
    expect(out).toContain(`nothing changed: reg still uses ${username}'s credentials; .login to try again`);
    expect(out).not.toContain("logged in");
    expect(await repl.send(".whoami")).toMatch(`\nuser:     ${username}`);
    expect(await repl.send('reg.tags("team/api")')).toBe("team/api 1 tag\n  1.0");
    expect(repl.screen()).not.toContain(mistyped);
  });

  it("credentials refused at start-up are dropped, and a correct .login then works", async () => {
    repl = await driveRepl({ registry: registry.url, options: { username, password: mistyped } });
    expect(repl.screen()).toMatch(`refused the credentials of ${username}`);
    expect(repl.screen()).toContain("reg goes on without those credentials");
    expect(await repl.send(".whoami")).toMatch(/\nuser: {5}anonymous$/);
    expect(await login(repl, username, password)).toContain(`logged in to ${registry.host} as ${username}`);
    expect(await repl.send('reg.tags("team/api")')).toBe("team/api 1 tag\n  1.0");
    expect(repl.screen()).not.toContain(mistyped);
  });

  it("TAB completes again after a refused listing once a correct .login is in", async () => {
    repl = await driveRepl({ registry: registry.url, options: { anonymous: true } });
    // Anonymous: the catalog is refused (401), so TAB offers nothing.
    let from = repl.screen().length;
    repl.type('reg.tags("te\t');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(repl.screen().slice(from)).not.toContain("team/api");
    repl.type("\x03");
    await repl.waitFor((t) => /\n[\w.:]+> $/.test(t), from);
    if (auth === "token") {
      // and a mistyped password changes nothing: anonymous pulls still work.
      expect(await login(repl, username, mistyped)).toContain("nothing changed");
      expect(await repl.send('reg.digest("team/api:1.0")')).toMatch(/^'sha256:[0-9a-f]{64}'$/);
    }
    expect(await login(repl, username, password)).toContain(`logged in to ${registry.host} as ${username}`);
    from = repl.screen().length;
    repl.type('reg.tags("te\t');
    await repl.waitFor((t) => t.includes('reg.tags("team/api'), from);
    expect(await repl.send('")')).toBe("team/api 1 tag\n  1.0");
  });
});

async function waitUntil(test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
