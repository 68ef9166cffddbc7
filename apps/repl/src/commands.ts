import type { REPLServer } from "node:repl";
import { types } from "node:util";
import {
  BlobHandle,
  describeCredentialSource,
  manifests,
  quotePath,
  type RegistryClient,
  UsageError,
  writeFileAtomic,
  writeHarFile,
} from "@regatta/client";
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
  ["platform", "[os/arch[/variant] | none]: the platform every call of reg means from now on"],
  [
    "save",
    "FILE: write the last result (_) to FILE: a manifest's or blob's exact bytes, text as it is, else JSON",
  ],
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
  /** Asks `query`; `then` gets the answer at once, inside readline's callback (see ask). */
  const question = (query: string, secret: boolean, then: (answer: string | undefined) => void) => {
    const controller = new AbortController();
    asking = controller;
    // Ctrl-D on an empty answer cancels as Ctrl-C does: it must not end the REPL from inside a question.
    const onEnd = () => controller.abort();
    ask(server, session, query, { secret, cancel: controller.signal, onEnd }, (answer) => {
      if (asking === controller) asking = undefined;
      then(answer);
    });
  };
  const help = (name: string) => COMMANDS.find(([n]) => n === name)?.[1] ?? "";
  const define = (name: string, action: (arg: string) => void | Promise<void>) => {
    server.defineCommand(name, {
      help: help(name),
      action(arg: string) {
        // The action starts here, not in a later tick: `.login` must put its question before readline reads the
        // line that came with it (see ask).
        let done: Promise<void>;
        try {
          done = Promise.resolve(action(arg.trim()));
        } catch (error) {
          done = Promise.reject(error);
        }
        done.catch((error: unknown) => host.fail(error)).finally(() => server.displayPrompt());
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

  define("login", async (line) => {
    const registry = host.current().registry;
    // `.login USER PASSWORD`, as some CLIs take it: refused, as docker login refuses stray words. Taken whole as a
    // username, the password would be shown by .whoami and every hint; what follows USER is kept a secret from now
    // on (a password typed where it does not belong is still a password), and nothing is sent.
    const [user, ...rest] = line.split(/\s+/).filter(Boolean);
    if (rest.length) {
      session.addSecret(rest.join(" "), user);
      for (const word of rest) session.addSecret(word, user);
      return host.say(
        ".login takes one USER (or none) and asks for the password, not echoed: nothing was sent; the words after USER are kept out of output and history",
      );
    }
    // The password question is put in the username's callback, not after an await: `.login alice` and the password
    // pasted or piped together make the password the line that follows, never a line of code.
    const answers = await new Promise<{ username: string; password: string } | undefined>((resolve) => {
      const askPassword = (username: string | undefined) => {
        if (!username) return resolve(undefined);
        question("Password: ", true, (password) =>
          resolve(password === undefined ? undefined : { username, password }),
        );
      };
      if (user) askPassword(user);
      else question("Username: ", false, askPassword);
    });
    if (!answers) return;
    const { username, password } = answers;
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
        ...(who.source ? [`from:     ${describeCredentialSource(who.source)}`] : []),
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
    const n = await writeHarFile(arg, session.har, {
      onReaderWait: () => host.say(`waiting for a reader of the FIFO ${quotePath(arg)}`),
    });
    host.say(`wrote ${n} HTTP exchange${n === 1 ? "" : "s"} to ${quotePath(arg)} (secrets redacted)`);
  });

  define("platform", (arg) => {
    if (!arg) {
      return host.say(
        session.platform
          ? `every call of reg means ${session.platform}; .platform none to drop it`
          : "no platform set: an index is shown whole (or resolved for this machine's platform where one image is needed)",
      );
    }
    const registry = host.current().registry;
    if (arg === "none") {
      session.platform = undefined;
      host.use(session.open(registry));
      return host.say("platform dropped: reg means no platform");
    }
    session.platform = manifests.formatPlatform(manifests.parsePlatform(arg));
    host.use(session.open(registry));
    host.say(`every call of reg means ${session.platform} from now on (clients opened later too)`);
  });

  define("save", async (file) => {
    if (!file) return host.say("usage: .save FILE   writes _ (the last result) to FILE");
    const saved = await saveValue(
      server.context._,
      file,
      (text) => session.scrub(text),
      () => host.say(`waiting for a reader of the FIFO ${quotePath(file)}`),
    );
    host.say(`wrote ${saved.bytes} bytes to ${quotePath(file)} (${saved.what})`);
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

/**
 * `.save FILE`: the last result as a file, readable by its owner only (0600, like the history file). A manifest or
 * config keeps its exact bytes (its digest stays true), a blob handle is downloaded and verified, bytes are written as
 * they are; text and JSON go through `scrub`, the masking the screen applies, since a saved result is shared as
 * readily as a screen and may hold a secret a registry echoed (QA secrets6 #1).
 */
async function saveValue(
  value: unknown,
  file: string,
  scrub: (text: string) => string,
  onReaderWait: () => void,
): Promise<{ bytes: number; what: string }> {
  if (value === undefined) throw new UsageError("nothing to save: _ is undefined (evaluate something first)");
  const written = { mode: 0o600, onReaderWait };
  if (value instanceof BlobHandle) {
    const saved = await value.toFile(file, {
      onProgress: (event) => {
        if (event.type === "waiting" && "reader" in event) onReaderWait();
      },
    });
    return { bytes: saved.size, what: `blob ${value.digest}, verified` };
  }
  const exact = (value as { bytes?: unknown; digest?: unknown } | null)?.bytes;
  if (types.isUint8Array(exact)) {
    await writeFileAtomic(file, exact, written);
    const digest = (value as { digest?: unknown }).digest;
    return {
      bytes: exact.length,
      what: typeof digest === "string" ? `the exact bytes of ${digest}` : "its bytes",
    };
  }
  if (types.isUint8Array(value)) {
    await writeFileAtomic(file, value, written);
    return { bytes: value.length, what: "bytes" };
  }
  const text = typeof value === "string" ? value : JSON.stringify(value, jsonSafe, 2);
  if (text === undefined) throw new UsageError(`cannot save a ${typeof value} as a file`);
  const bytes = Buffer.from(typeof value === "string" ? scrub(text) : `${scrub(text)}\n`);
  await writeFileAtomic(file, bytes, written);
  return { bytes: bytes.length, what: typeof value === "string" ? "text" : "JSON" };
}

/**
 * JSON of a result: references as their text, byte arrays by length (never dumped as numbers), maps as objects, sets
 * as arrays, no functions. Values typed in the REPL come from its own realm (a vm context, with its own `Object`,
 * `Map` and `Uint8Array`), so every check here works across realms: `util.types`, and the text `String()` gives.
 */
function jsonSafe(_key: string, value: unknown): unknown {
  if (types.isUint8Array(value)) return `<${value.length} bytes>`;
  if (typeof value === "bigint") return value.toString();
  if (types.isMap(value)) return Object.fromEntries(value as Map<unknown, unknown>);
  if (types.isSet(value)) return [...(value as Set<unknown>)];
  if (typeof value === "object" && value !== null && !Array.isArray(value) && "toString" in value) {
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
    // An object whose class says what it is as text (a Reference, an Error) is saved as that text; a plain object,
    // or one whose toString is Object's (`[object Object]`, in any realm), as its fields.
    const text = String(value);
    if (!/^\[object \w+\]$/.test(text)) return text;
  }
  return value;
}
