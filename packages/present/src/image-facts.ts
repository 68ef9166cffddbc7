import { escapeField } from "./terminal-text.js";

/**
 * The parts of the client's `ImageSummary` that say what an image runs, by shape: presentation sits below the
 * client (the layering test), and any summary the client returns fits.
 */
export interface RuntimeRows {
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  user?: string;
  workingDir?: string;
  exposedPorts?: readonly string[];
  volumes?: readonly string[];
  stopSignal?: string;
  historyLength?: number;
  env?: readonly string[];
  labels?: Readonly<Record<string, string>>;
}

/** A list as a Dockerfile's exec form writes it: `["nginx","-g","daemon off;"]`. */
const execForm = (list: readonly string[]) => escapeField(JSON.stringify(list));

/**
 * What an image runs as `[name, value]` facts (Entrypoint, Cmd, User, WorkingDir, Ports, Volumes, StopSignal,
 * History), the absent ones left out. Every value an image's author chose is escaped with {@link escapeField}, so a
 * newline in a config cannot forge a line.
 */
export function runtimeFacts(s: RuntimeRows): [string, string][] {
  const facts: [string, string | undefined][] = [
    ["Entrypoint", s.entrypoint && execForm(s.entrypoint)],
    ["Cmd", s.cmd && execForm(s.cmd)],
    ["User", s.user && escapeField(s.user)],
    ["WorkingDir", s.workingDir && escapeField(s.workingDir)],
    ["Ports", s.exposedPorts?.length ? s.exposedPorts.map(escapeField).join(", ") : undefined],
    ["Volumes", s.volumes?.length ? s.volumes.map(escapeField).join(", ") : undefined],
    ["StopSignal", s.stopSignal && escapeField(s.stopSignal)],
    [
      "History",
      s.historyLength === undefined
        ? undefined
        : `${s.historyLength} step${s.historyLength === 1 ? "" : "s"}`,
    ],
  ];
  return facts.filter((f): f is [string, string] => Boolean(f[1]));
}

/** An image's environment, one indented `NAME=value` line each, escaped; [] for none. */
export function envLines(s: RuntimeRows): string[] {
  return (s.env ?? []).map((e) => `  ${escapeField(e)}`);
}

/**
 * An image's labels, one indented `key=value` line each, key and value escaped (a value's newline would forge a
 * second label, its `ESC[31m` pass for Regatta's own red); [] for none.
 */
export function labelLines(s: RuntimeRows): string[] {
  return Object.entries(s.labels ?? {}).map(([k, v]) => `  ${escapeField(k)}=${escapeField(v)}`);
}
