import type { REPLServer } from "node:repl";
import { type RegistryClient, writeHarFile } from "@regatta/client";
import { ask } from "./ask.js";
import type { ReplSession, WhoAmI } from "./session.js";

/** What the dot-commands need from the REPL around them. */
export interface CommandHost {
  server: REPLServer;
  session: ReplSession;
  /** Prints a line for people (secrets redacted). */
  say(text: string): void;
  /** Prints an error as one line (more with `.verbose on`). */
  fail(error: unknown): void;
  /** The client `reg` names now. */
  current(): RegistryClient;
  /** Makes `client` the new `reg` (and the prompt). */
  use(client: RegistryClient): void;
  /** The text of `.help`. */
  help(): string;
}

/** The dot-commands and their one-line help, in the order `.help` lists them. */
export const COMMANDS: [string, string][] = [
  ["connect", "URL: connect to another registry; reg becomes the new client"],
  ["login", "[USER]: ask for a username and a password (not echoed) for reg's registry"],
  ["whoami", "the registry, how reg authenticates, and as whom (never the secret)"],
  ["verbose", "on|off: show every HTTP request and response (secrets redacted)"],
  ["har", "FILE: save the session's HTTP exchanges as HAR 1.2 (secrets redacted); .har clear forgets them"],
  ["help", "this help"],
];

/**
 * Defines `.connect`, `.login`, `.whoami`, `.verbose` and `.help`. Returns `cancel()`, which Ctrl-C calls to drop
 * a pending `.login` question; it answers whether there was one.
 */
export function defineCommands(host: CommandHost): { cancel(): boolean } {
  const { server, session } = host;
  let asking: AbortController | undefined;
  const question = async (query: string, secret = false) => {
    asking = new AbortController();
    try {
      return await ask(server, session, query, { secret, cancel: asking.signal });
    } finally {
      asking = undefined;
    }
  };
  const help = (name: string) => COMMANDS.find(([n]) => n === name)?.[1] ?? "";
  const define = (name: string, action: (arg: string) => void | Promise<void>) => {
    server.defineCommand(name, {
      help: help(name),
      action(arg: string) {
        Promise.resolve()
          .then(() => action(arg.trim()))
          .catch((error: unknown) => host.fail(error))
          .finally(() => server.displayPrompt());
      },
    });
  };

  define("connect", async (url) => {
    if (!url)
      return host.say("usage: .connect URL   e.g. .connect https://ghcr.io or .connect localhost:5000");
    const client = await session.wait(session.connect(url));
    host.use(client);
    host.say(`reg is now ${client.registry} (${client.url})`);
  });

  define("login", async (user) => {
    const registry = host.current().registry;
    const username = user || (await question("Username: "));
    if (!username) return;
    const password = await question("Password: ", true);
    if (password === undefined) return;
    // Checked against the registry before anything changes: refused credentials are never kept.
    let client: RegistryClient;
    let who: WhoAmI;
    try {
      ({ client, who } = await session.wait(session.login(registry, { username, password })));
    } catch (error) {
      host.fail(error);
      const before = session.usernameFor(registry);
      host.say(
        `nothing changed: reg still uses ${before ? `${before}'s credentials` : "no credentials of yours (docker config or anonymous)"}; .login to try again`,
      );
      return;
    }
    host.use(client);
    host.say(
      who.username
        ? `logged in to ${registry} as ${username}`
        : `${registry} asked for no credentials; ${username}'s are kept for when it does`,
    );
  });

  define("whoami", async () => {
    const client = host.current();
    // The ping teaches the client the registry's challenge, hence its scheme.
    await session.wait(client.ping());
    const who = client.whoami();
    // The client learns the username when a request first needs credentials; until then, say what was given.
    const given = session.usernameFor(who.registry);
    const user = who.username ?? (given ? `${given} (not used yet)` : "anonymous");
    host.say(
      [
        `registry: ${who.registry} (${client.url})`,
        `auth:     ${who.scheme}${who.realm ? ` (realm ${who.realm}${who.service ? `, service ${who.service}` : ""})` : ""}`,
        `user:     ${user}`,
      ].join("\n"),
    );
  });

  define("verbose", (arg) => {
    if (arg === "on" || arg === "off") session.verbose = arg === "on";
    else if (arg) return host.say("usage: .verbose on|off");
    host.say(`verbose HTTP log ${session.verbose ? "on" : "off"}`);
  });

  define("har", async (arg) => {
    if (arg === "clear") {
      session.har.clear();
      return host.say("HAR recording cleared");
    }
    if (!arg) {
      return host.say(
        `${session.har.size} HTTP exchanges recorded; .har FILE saves them (HAR 1.2, secrets redacted)`,
      );
    }
    const n = await writeHarFile(arg, session.har);
    host.say(`wrote ${n} HTTP exchange${n === 1 ? "" : "s"} to ${arg} (secrets redacted)`);
  });

  define("help", () => host.say(host.help()));

  return {
    cancel() {
      if (!asking) return false;
      asking.abort();
      return true;
    },
  };
}
