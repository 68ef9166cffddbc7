import { escapeField } from "./terminal-text.js";

/** Words laid out in columns to fit `width`, like `ls`: the compact form of a tag or repository list. */
export function columns(words: string[], width: number, indent = "  "): string {
  if (words.length === 0) return "";
  // Each word is one cell whatever a registry put in it (a newline would forge a row).
  words = words.map(escapeField);
  // A reduce, not Math.max(...): a registry's list can hold more names than a call takes arguments.
  const cell = words.reduce((widest, w) => Math.max(widest, w.length), 0) + 2;
  const perLine = Math.max(1, Math.floor((width - indent.length) / cell));
  const rows = Math.ceil(words.length / perLine);
  const lines: string[] = [];
  // Column-major order, so the list reads down then across as `ls` does.
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let k = r; k < words.length; k += rows) cells.push((words[k] as string).padEnd(cell));
    lines.push(`${indent}${cells.join("").trimEnd()}`);
  }
  return lines.join("\n");
}
