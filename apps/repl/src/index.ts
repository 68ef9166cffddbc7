export { ReplSession } from "./session.js";
export { type RunningRepl, type StartReplOptions, startRepl } from "./start-repl.js";
