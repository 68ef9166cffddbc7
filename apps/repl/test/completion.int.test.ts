import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMswDispatcher } from "@regatta/testkit";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { drivenRepls } from "./drive-repl.js";

const ESC = "\u001b";
/** Names a hostile registry lists (QA repl5, finding 1): each would drive the terminal if written raw. */
const HOSTILE_TAGS = [
  `v${ESC}]0;PWNED${ESC}\\`,
  `vred${ESC}[31mRED${ESC}[0m`,
  `vclr${ESC}[2J${ESC}[H`,
  "vbell\u0007",
  "vcr\rover",
  "vnl\nline",
  "v\u202etxt.exe",
  "vc1\u009b31m",
  `vosc52${ESC}]52;c;ZWNobyBoaQ==\u0007`,
];
const HOSTILE_REPOSITORIES = [
  `team/evil${ESC}[31m/red`,
  `team/x${ESC}]8;;http://evil/${ESC}\\link${ESC}]8;;${ESC}\\`,
  `team/dcs${ESC}P1$r${ESC}\\`,
];
/** What the terminal would act on: ESC, BEL, CR, C1 controls, bidi overrides, or any of the payloads' text. */
const INJECTED = /[\u0007\u009b\u202e]|\]0;|\]8;|\]52;|\[31m|\[2J|PWNED|evil|dcs/;

function hostileRegistry() {
  const json = (body: unknown) => HttpResponse.json(body as Record<string, unknown>);
  return createMswDispatcher([
    http.get(/\/v2\/$/, () => json({})),
    http.get(/\/v2\/_catalog$/, () =>
      json({ repositories: [...HOSTILE_REPOSITORIES, "ok/repo", "team/web", "team/api"] }),
    ),
    http.get(/\/v2\/.+\/tags\/list$/, () => json({ name: "ok/repo", tags: [...HOSTILE_TAGS, "v1", "v2"] })),
  ]);
}

describe("TAB completion against a registry that lists names with terminal controls in them", () => {
  const driveRepl = drivenRepls();

  const start = (historyFile?: string) =>
    driveRepl({
      registry: "localhost:5000",
      options: { dispatcher: hostileRegistry() },
      ...(historyFile ? { historyFile } : {}),
    });

  it("lists only valid repositories and tags; nothing the registry sent reaches the terminal raw", async () => {
    const r = await start();
    let from = r.raw().length;
    await r.tab('reg.tags("te', 'reg.tags("team/');
    await r.tab("", "team/web");
    let written = r.raw().slice(from);
    expect(written).toContain("team/api");
    expect(written).not.toMatch(INJECTED);
    r.type("\u0015");

    from = r.raw().length;
    await r.tab('reg.manifest("ok/repo:', 'reg.manifest("ok/repo:v');
    await r.tab("", "v2");
    written = r.raw().slice(from);
    expect(written).toContain("v1");
    expect(written).not.toMatch(INJECTED);
    r.type("\u0015");
  });

  it("never puts a single hostile match into the line, nor so into the history", async () => {
    const historyFile = join(mkdtempSync(join(tmpdir(), "regatta-repl-completion-")), "history");
    const r = await start(historyFile);
    const from = r.raw().length;
    // `vcl` matched only `vclr ESC[2J ESC[H`, which went into the line, was echoed and saved.
    r.type('reg.manifest("ok/repo:vcl\t');
    await r.send('")');
    expect(r.raw().slice(from)).not.toMatch(INJECTED);
    await r.close();
    expect(readFileSync(historyFile, "utf8").split("\n")).toContain('reg.manifest("ok/repo:vcl")');
  });

  it("offers no property whose name is not a plain identifier (a result's keys come from the registry)", async () => {
    const r = await start();
    await r.send(String.raw`o = { ["a\u001b]0;PWNED\u0007"]: 1, "a\u009b2J": 2, ab: 3 }`);
    const from = r.raw().length;
    await r.tab("o.a", "o.ab");
    expect(r.raw().slice(from)).not.toMatch(INJECTED);
    r.type("\u0015");
  });
});

describe("TAB inside a string argument (QA repl5, finding 5)", () => {
  const driveRepl = drivenRepls();

  it("completes repositories and tags in every argument that names an image, and JavaScript in none", async () => {
    const r = await driveRepl({ registry: "localhost:5000", options: { dispatcher: hostileRegistry() } });
    // copy's target is a reference: the catalog completes it (the globals writeFileAtomic and writeHarFile did).
    await r.tab('reg.copy("team/api:1.0", "team/w', 'reg.copy("team/api:1.0", "team/web');
    r.type("\u0015");
    await r.tab('reg.diff("ok/repo:v1", "ok/repo:', 'reg.diff("ok/repo:v1", "ok/repo:v');
    await r.tab("", "v2");
    r.type("\u0015");
    // A string that is no argument of a client call completes nothing: not `team/write`.
    r.type('x = "team/w\t');
    const out = await r.send('"');
    expect(out).not.toContain("team/write");
    expect(r.screen()).not.toContain('x = "team/write');
  });
});
