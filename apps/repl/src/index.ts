// The REPL lands with issue 7; see README.md.
export {};
