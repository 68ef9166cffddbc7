import { escapeLine } from "./terminal-text.js";

/**
 * Nodes drawn as `tree(1)` draws directories: `├── ` and `└── ` before each, `│   ` down the branches still open.
 * One line per node (its text kept on its line: a newline a registry put in an annotation would forge a branch; the
 * line may carry Regatta's styles, so the caller escapes the registry's values in it with escapeField). The CLI's
 * `referrers --tree` and the REPL's referrers and index trees share it.
 */
export function drawTree<T>(
  nodes: readonly T[],
  children: (node: T) => readonly T[],
  line: (node: T) => string,
  indent = "",
): string[] {
  return nodes.flatMap((node, i) => {
    const last = i === nodes.length - 1;
    return [
      `${indent}${last ? "└── " : "├── "}${escapeLine(line(node))}`,
      ...drawTree(children(node), children, line, `${indent}${last ? "    " : "│   "}`),
    ];
  });
}
