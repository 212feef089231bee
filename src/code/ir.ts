/**
 * A small language-neutral IR of the code we analyse. Python and JavaScript/TypeScript syntax
 * trees are lowered to it (lower-python.ts, lower-js.ts) so the taint engine and the detectors
 * are written once. It keeps what the analysis needs — calls with keyword arguments, string
 * building, assignments and destructuring, imports and aliases, functions and their parameters,
 * branches for guards — and folds everything else into `unknown` nodes whose children still
 * carry taint.
 */
import type { LanguageFamily } from "./parse.js";

/** 1-based line span of a construct in its file. */
export interface Loc {
  line: number;
  endLine: number;
}

export type Expr =
  | { k: "name"; name: string; loc: Loc }
  | { k: "str"; value: string; loc: Loc }
  /** f-strings and template literals: constant text and interpolated expressions, in order. */
  | { k: "template"; parts: (string | Expr)[]; loc: Loc }
  | { k: "num"; value: number; loc: Loc }
  | { k: "bool"; value: boolean; loc: Loc }
  | { k: "none"; loc: Loc }
  /** A regular expression literal (JavaScript /…/flags). */
  | { k: "regex"; pattern: string; loc: Loc }
  | { k: "attr"; obj: Expr; name: string; loc: Loc }
  | { k: "index"; obj: Expr; index: Expr; loc: Loc }
  | {
      k: "call";
      callee: Expr;
      args: Expr[];
      kwargs: { name: string; value: Expr }[];
      /** `new X(…)`. */
      isNew: boolean;
      /** A tagged template (sql`…`): the single argument is the template. */
      tagged: boolean;
      loc: Loc;
    }
  /** Binary operators: + - * / % and also "and" / "or" / "??" (normalised). */
  | { k: "binop"; op: string; left: Expr; right: Expr; loc: Loc }
  /** Unary operators, normalised: "not" (not / !), "-", "+", "typeof", "await", "spread". */
  | { k: "unop"; op: string; arg: Expr; loc: Loc }
  /** Comparisons, normalised: "==" "!=" (also === !==), "<" …, "in", "not in", "instanceof", "is". */
  | { k: "compare"; op: string; left: Expr; right: Expr; loc: Loc }
  | { k: "cond"; test: Expr; ifTrue: Expr; ifFalse: Expr; loc: Loc }
  | { k: "list"; items: Expr[]; loc: Loc }
  | { k: "dict"; entries: DictEntry[]; loc: Loc }
  | { k: "func"; fn: FuncDef; loc: Loc }
  /** Comprehensions and generator expressions: `elt for target in iter …`. */
  | { k: "comp"; elt: Expr; clauses: { target: Pattern; iter: Expr }[]; loc: Loc }
  /** Assignment used as an expression (JS `a = b` inside an expression, Python walrus). */
  | { k: "assignExpr"; target: Pattern; value: Expr; loc: Loc }
  | { k: "unknown"; children: Expr[]; loc: Loc };

export interface DictEntry {
  /** Constant key (string, identifier or number), when the key is one. */
  key?: string;
  keyExpr?: Expr;
  value: Expr;
  /** `...obj` / `**obj`. */
  spread?: boolean;
  loc: Loc;
}

export type Pattern =
  | { k: "name"; name: string; loc: Loc }
  /** Store into an attribute or item: `a.b = …`, `a[i] = …`. */
  | { k: "member"; target: Expr; loc: Loc }
  | { k: "seq"; items: Pattern[]; loc: Loc }
  | { k: "object"; props: { key: string; value: Pattern; default?: Expr }[]; rest?: Pattern; loc: Loc }
  /** A pattern with a default value (JS `{ a = 1 }`, `[a = 1]`). */
  | { k: "default"; pattern: Pattern; value: Expr; loc: Loc }
  | { k: "rest"; pattern: Pattern; loc: Loc }
  | { k: "ignore"; loc: Loc };

export interface Param {
  name?: string;
  pattern: Pattern;
  default?: Expr;
  kind: "normal" | "rest" | "kwrest";
  /** Type annotation text (`Request`, `str`), when one is written. */
  type?: string;
}

export interface FuncDef {
  id: number;
  /** Declared name, or the name it is bound to (`const handler = …`, `exports.handler = …`). */
  name?: string;
  /** Whether the binding is an export (`export …`, `exports.x =`, `module.exports.x =`). */
  exported: boolean;
  params: Param[];
  body: Stmt[];
  decorators: Expr[];
  /** Name of the enclosing class, for methods. */
  className?: string;
  loc: Loc;
}

export type Stmt =
  | { k: "expr"; e: Expr; loc: Loc }
  /** Assignment, declaration with initialiser, augmented assignment (op set, "+=" …). */
  | { k: "assign"; target: Pattern; value: Expr; op?: string; loc: Loc }
  | { k: "return"; value?: Expr; loc: Loc }
  | { k: "if"; test: Expr; ifTrue: Stmt[]; ifFalse: Stmt[]; loc: Loc }
  /** for / while / do: `target` bound to elements of `iter` (for-in binds keys, also tainted). */
  | { k: "loop"; target?: Pattern; iter?: Expr; test?: Expr; body: Stmt[]; orelse: Stmt[]; loc: Loc }
  | { k: "try"; body: Stmt[]; handlers: { target?: Pattern; body: Stmt[] }[]; finally: Stmt[]; loc: Loc }
  | { k: "block"; body: Stmt[]; loc: Loc }
  | { k: "func"; fn: FuncDef; loc: Loc }
  | { k: "class"; name: string; body: Stmt[]; bases: Expr[]; loc: Loc }
  /** `import x`, `import x as y`, `from m import n as y`, ES imports, `local` ← module path. */
  | { k: "import"; bindings: { local: string; path: string }[]; loc: Loc }
  /** raise / throw / break / continue / abort(): control does not continue after it. */
  | { k: "exit"; value?: Expr; loc: Loc };

/** One lowered source file. */
export interface Module {
  family: LanguageFamily;
  body: Stmt[];
  /** Every function in the file (nested ones included), in source order. */
  functions: FuncDef[];
  /** Constructs the lowering had to give up on (too deep nesting), for the partial report. */
  truncated: boolean;
}

const wordsCache = new Map<string, string[]>();

/** Normalised snake-case words of an identifier: `dbPassword` → ["db", "password"]. */
export function nameWords(name: string): string[] {
  let w = wordsCache.get(name);
  if (w === undefined) {
    w = splitWords(name);
    if (wordsCache.size > 50_000) wordsCache.clear();
    wordsCache.set(name, w);
  }
  return w;
}

function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}
