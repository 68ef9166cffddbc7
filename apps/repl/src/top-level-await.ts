import {
  type AnyNode,
  type BlockStatement,
  type ExpressionStatement,
  type ForInStatement,
  type ForOfStatement,
  Parser,
  type Pattern,
  type VariableDeclaration,
} from "acorn";
import { base, type RecursiveVisitors, recursive } from "acorn-walk";

/**
 * A REPL line with top-level `await` rewritten as the body of an async arrow function that the REPL's context runs,
 * the approach of Node's own REPL (lib/internal/repl/await.js), written here over acorn with `ecmaVersion: "latest"`
 * so that a line may use any syntax acorn knows (`??=`, `1_000`, class fields and `#private`, `static {}`,
 * `for await`, the regexp `d` flag…). Node's V8 still decides what runs: syntax the running Node lacks fails there.
 *
 * What the rewrite keeps, as Node's REPL does:
 * - top-level `const`, `let` and `class` declarations become `let` bindings of the context, declared before the
 *   function and assigned in it (`const m = await x` is `let m; (async () => { void (m = await x) })()`), and `var`
 *   and function declarations become `var`s of the context, so each is there for the next line;
 * - the value of the last expression statement is what the function returns;
 * - `await` inside nested functions is theirs and left alone; `using` declarations stay the line's own (disposed at its
 *   end).
 *
 * Returns `null` when there is nothing to rewrite: no top-level `await` after all, a top-level `return`, or code acorn
 * cannot parse (unfinished, or wrong): the caller compiles such code as it is.
 */
export function wrapTopLevelAwait(source: string): string | null {
  const prefix = "(async () => { ";
  // The newline keeps a trailing `// comment` from swallowing the end of the wrapper.
  const wrapped = `${prefix}${source}\n})()`;
  let body: BlockStatement;
  try {
    const program = Parser.parse(wrapped, { ecmaVersion: "latest" });
    const call = (program.body[0] as ExpressionStatement).expression;
    if (call.type !== "CallExpression" || call.callee.type !== "ArrowFunctionExpression") return null;
    body = call.callee.body as BlockStatement;
  } catch {
    return null;
  }

  const edit = new Edits(wrapped);
  const hoisted: string[] = [];
  const found = { await: false, return: false };

  /** `const a = 1, { b } = c` → `void ((a = 1), ({ b } = c))`, its names declared before the function. */
  const assignInstead = (declaration: VariableDeclaration, keyword: "var" | "let") => {
    const names: string[] = [];
    for (const declarator of declaration.declarations) namesIn(declarator.id, names);
    if (names.length > 0) hoisted.push(`${keyword} ${names.join(", ")}; `);
    const [first] = declaration.declarations;
    if (!first) return;
    const many = declaration.declarations.length > 1;
    edit.replace(declaration.start, first.start, many ? "void (" : "void ");
    for (const declarator of declaration.declarations) {
      if (declarator.init) {
        edit.before(declarator.start, "(");
        edit.after(declarator.end, ")");
      } else if (keyword === "var") {
        // `var t` leaves t as it was.
        edit.replace(declarator.start, declarator.end, "void 0");
      } else {
        edit.before(declarator.start, "(");
        edit.after(declarator.end, " = undefined)");
      }
    }
    if (many) edit.after(declaration.declarations[declaration.declarations.length - 1]!.end, ")");
  };

  /** `for (var x of xs)` → `for (x of xs)`, x declared before the function. */
  const forEach = (
    node: ForInStatement | ForOfStatement,
    state: unknown,
    walk: (n: AnyNode, s: unknown) => void,
  ) => {
    if (node.type === "ForOfStatement" && node.await) found.await = true;
    const left = node.left;
    if (left.type === "VariableDeclaration" && left.kind === "var" && left.declarations[0]) {
      const names: string[] = [];
      namesIn(left.declarations[0].id, names);
      hoisted.push(`var ${names.join(", ")}; `);
      edit.replace(left.start, left.declarations[0].start, "");
      if (left.declarations[0].init) walk(left.declarations[0].init, state);
    } else {
      walk(left, state);
    }
    walk(node.right, state);
    walk(node.body, state);
  };

  const skip = () => {};
  const visitors: RecursiveVisitors<unknown> = {
    // Their own scopes: `await`, `return` and `var` inside them are theirs.
    FunctionExpression: skip,
    ArrowFunctionExpression: skip,
    MethodDefinition: skip,
    PropertyDefinition: skip,
    StaticBlock: skip,
    FunctionDeclaration(node) {
      if (!node.id) return;
      hoisted.push(`var ${node.id.name}; `);
      edit.before(node.start, `this.${node.id.name} = ${node.id.name}; `);
    },
    AwaitExpression(node, state, walk) {
      found.await = true;
      base.AwaitExpression!(node, state, walk);
    },
    ReturnStatement(node, state, walk) {
      found.return = true;
      base.ReturnStatement!(node, state, walk);
    },
    ForInStatement: forEach,
    ForOfStatement: forEach,
    VariableDeclaration(node, state, walk) {
      if (node.kind === "await using") found.await = true;
      if (node.kind === "var") assignInstead(node, "var");
      else if ((node.kind === "let" || node.kind === "const") && body.body.includes(node))
        assignInstead(node, "let");
      base.VariableDeclaration!(node, state, walk);
    },
    ClassDeclaration(node, state, walk) {
      if (node.id && body.body.includes(node)) {
        hoisted.push(`let ${node.id.name}; `);
        edit.before(node.start, `${node.id.name} = `);
      }
      base.ClassDeclaration!(node, state, walk);
    },
  };
  recursive(body, undefined, visitors);

  if (!found.await || found.return) return null;

  const last = body.body.findLast((statement) => statement.type !== "EmptyStatement");
  if (last?.type === "ExpressionStatement") {
    edit.before(last.start, "return (");
    edit.after(last.expression.end, ")");
  }
  return hoisted.join("") + edit.text();
}

/** The names a declaration's pattern binds: `{ a, b: [c = 1, ...d], ...e }` binds a, c, d and e. */
function namesIn(pattern: Pattern | null, names: string[]): void {
  if (!pattern) return;
  switch (pattern.type) {
    case "Identifier":
      names.push(pattern.name);
      break;
    case "ObjectPattern":
      for (const property of pattern.properties) {
        namesIn(property.type === "RestElement" ? property.argument : property.value, names);
      }
      break;
    case "ArrayPattern":
      for (const element of pattern.elements) namesIn(element, names);
      break;
    case "AssignmentPattern":
      namesIn(pattern.left, names);
      break;
    case "RestElement":
      namesIn(pattern.argument, names);
      break;
    default:
      // A member expression is no declaration's target.
      break;
  }
}

/** Text inserted before and after source positions, and ranges replaced, applied at the end in one pass. */
class Edits {
  private readonly parts: string[];

  constructor(text: string) {
    this.parts = text.split("");
  }

  before(position: number, text: string): void {
    this.parts[position] = text + this.parts[position];
  }

  /** After the character that ends at `end`. */
  after(end: number, text: string): void {
    this.parts[end - 1] += text;
  }

  replace(from: number, to: number, text: string): void {
    for (let i = from; i < to; i++) this.parts[i] = "";
    if (from === to) this.before(from, text);
    else this.parts[from] = text;
  }

  text(): string {
    return this.parts.join("");
  }
}
