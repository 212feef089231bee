/** Lowers a tree-sitter-python syntax tree to the IR (ir.ts). */
import type { DictEntry, Expr, FuncDef, Loc, Module, Param, Pattern, Stmt } from "./ir.js";
import type { SyntaxNode } from "./parse.js";

/** Deeper nesting than this is cut off (the file is reported as partially analysed). */
export const MAX_LOWER_DEPTH = 300;

const locOf = (n: SyntaxNode): Loc => ({ line: n.startPosition.row + 1, endLine: n.endPosition.row + 1 });

const named = (n: SyntaxNode): SyntaxNode[] => n.namedChildren.filter((c): c is SyntaxNode => c !== null);

/** Python source → IR. `src` is the text the tree was parsed from. */
export function lowerPython(root: SyntaxNode, src: string, nextId: () => number): Module {
  const functions: FuncDef[] = [];
  let truncated = false;
  let depth = 0;
  const text = (n: SyntaxNode) => src.slice(n.startIndex, n.endIndex);
  const field = (n: SyntaxNode, f: string) => n.childForFieldName(f);

  function guard<T>(fallback: T, f: () => T): T {
    if (depth > MAX_LOWER_DEPTH) {
      truncated = true;
      return fallback;
    }
    depth++;
    try {
      return f();
    } finally {
      depth--;
    }
  }

  const unknown = (n: SyntaxNode, children: Expr[] = []): Expr => ({ k: "unknown", children, loc: locOf(n) });

  function block(n: SyntaxNode | null): Stmt[] {
    if (!n) return [];
    if (n.type === "block" || n.type === "module") return named(n).flatMap(stmt);
    return stmt(n);
  }

  /** A string literal: constant text, or a template when it interpolates (f-strings). */
  function str(n: SyntaxNode): Expr {
    const parts: (string | Expr)[] = [];
    let interpolated = false;
    for (const c of named(n)) {
      if (c.type === "string_content") parts.push(text(c));
      else if (c.type === "interpolation") {
        interpolated = true;
        const e = field(c, "expression");
        parts.push(e ? expr(e) : unknown(c));
      }
    }
    if (!interpolated) return { k: "str", value: parts.join(""), loc: locOf(n) };
    return { k: "template", parts, loc: locOf(n) };
  }

  function args(n: SyntaxNode | null): { args: Expr[]; kwargs: { name: string; value: Expr }[] } {
    const out: { args: Expr[]; kwargs: { name: string; value: Expr }[] } = { args: [], kwargs: [] };
    if (!n) return out;
    if (n.type === "generator_expression") {
      out.args.push(expr(n));
      return out;
    }
    for (const a of named(n)) {
      if (a.type === "keyword_argument") {
        const name = field(a, "name");
        const value = field(a, "value");
        if (name && value) out.kwargs.push({ name: text(name), value: expr(value) });
      } else if (a.type === "comment") {
      } else out.args.push(expr(a));
    }
    return out;
  }

  function compOf(n: SyntaxNode): Expr {
    const body = field(n, "body");
    const clauses: { target: Pattern; iter: Expr }[] = [];
    const extra: Expr[] = [];
    for (const c of named(n)) {
      if (c.type === "for_in_clause") {
        const l = field(c, "left");
        const r = field(c, "right");
        clauses.push({
          target: l ? pattern(l) : { k: "ignore", loc: locOf(c) },
          iter: r ? expr(r) : unknown(c),
        });
      } else if (c.type === "if_clause") extra.push(...named(c).map(expr));
    }
    let elt: Expr = body ? expr(body) : unknown(n);
    if (body?.type === "pair") {
      // dict comprehension: both key and value carry the element
      const k = field(body, "key");
      const v = field(body, "value");
      elt = unknown(body, [k ? expr(k) : unknown(body), v ? expr(v) : unknown(body)]);
    }
    return { k: "comp", elt, clauses, loc: locOf(n) };
  }

  function expr(n: SyntaxNode): Expr {
    return guard(unknown(n), () => exprInner(n));
  }

  function exprInner(n: SyntaxNode): Expr {
    const loc = locOf(n);
    switch (n.type) {
      case "identifier":
        return { k: "name", name: text(n), loc };
      case "string":
        return str(n);
      case "concatenated_string": {
        const parts: (string | Expr)[] = [];
        for (const s of named(n)) {
          const e = str(s);
          if (e.k === "str") parts.push(e.value);
          else if (e.k === "template") parts.push(...e.parts);
        }
        return parts.every((p) => typeof p === "string")
          ? { k: "str", value: parts.join(""), loc }
          : { k: "template", parts, loc };
      }
      case "integer":
      case "float":
        return { k: "num", value: Number(text(n).replace(/_/g, "")) || 0, loc };
      case "true":
        return { k: "bool", value: true, loc };
      case "false":
        return { k: "bool", value: false, loc };
      case "none":
        return { k: "none", loc };
      case "attribute": {
        const o = field(n, "object");
        const a = field(n, "attribute");
        if (!o || !a) return unknown(n);
        return { k: "attr", obj: expr(o), name: text(a), loc };
      }
      case "subscript": {
        const v = field(n, "value");
        const s = field(n, "subscript");
        if (!v) return unknown(n);
        return { k: "index", obj: expr(v), index: s ? expr(s) : unknown(n), loc };
      }
      case "call": {
        const f = field(n, "function");
        if (!f) return unknown(n);
        const a = args(field(n, "arguments"));
        return { k: "call", callee: expr(f), ...a, isNew: false, tagged: false, loc };
      }
      case "binary_operator": {
        const l = field(n, "left");
        const r = field(n, "right");
        const op = field(n, "operator");
        if (!l || !r) return unknown(n);
        return { k: "binop", op: op ? text(op) : "?", left: expr(l), right: expr(r), loc };
      }
      case "boolean_operator": {
        const l = field(n, "left");
        const r = field(n, "right");
        const op = field(n, "operator");
        if (!l || !r) return unknown(n);
        return {
          k: "binop",
          op: op && text(op) === "and" ? "and" : "or",
          left: expr(l),
          right: expr(r),
          loc,
        };
      }
      case "comparison_operator": {
        const operands = named(n);
        if (operands.length !== 2) return unknown(n, operands.map(expr));
        const [l, r] = operands as [SyntaxNode, SyntaxNode];
        const op = src
          .slice(l.endIndex, r.startIndex)
          .replace(/#[^\n]*/g, "")
          .trim()
          .replace(/\s+/g, " ");
        return { k: "compare", op, left: expr(l), right: expr(r), loc };
      }
      case "not_operator": {
        const a = field(n, "argument");
        return a ? { k: "unop", op: "not", arg: expr(a), loc } : unknown(n);
      }
      case "unary_operator": {
        const a = field(n, "argument");
        const op = field(n, "operator");
        return a ? { k: "unop", op: op ? text(op) : "-", arg: expr(a), loc } : unknown(n);
      }
      case "await": {
        const a = named(n)[0];
        return a ? { k: "unop", op: "await", arg: expr(a), loc } : unknown(n);
      }
      case "conditional_expression": {
        const [a, t, e] = named(n);
        if (!a || !t || !e) return unknown(n, named(n).map(expr));
        return { k: "cond", test: expr(t), ifTrue: expr(a), ifFalse: expr(e), loc };
      }
      case "parenthesized_expression": {
        const inner = named(n).filter((c) => c.type !== "comment");
        return inner.length === 1 ? expr(inner[0]!) : unknown(n, inner.map(expr));
      }
      case "list":
      case "tuple":
      case "set":
      case "expression_list":
      case "pattern_list":
        return {
          k: "list",
          items: named(n)
            .filter((c) => c.type !== "comment")
            .map(expr),
          loc,
        };
      case "list_splat":
      case "dictionary_splat": {
        const a = named(n)[0];
        return a ? { k: "unop", op: "spread", arg: expr(a), loc } : unknown(n);
      }
      case "dictionary": {
        const entries: DictEntry[] = [];
        for (const c of named(n)) {
          if (c.type === "pair") {
            const k = field(c, "key");
            const v = field(c, "value");
            if (!k || !v) continue;
            const ke = expr(k);
            const key = ke.k === "str" ? ke.value : ke.k === "num" ? String(ke.value) : undefined;
            entries.push({
              ...(key !== undefined ? { key } : {}),
              keyExpr: ke,
              value: expr(v),
              loc: locOf(c),
            });
          } else if (c.type === "dictionary_splat") {
            const a = named(c)[0];
            if (a) entries.push({ value: expr(a), spread: true, loc: locOf(c) });
          }
        }
        return { k: "dict", entries, loc };
      }
      case "lambda": {
        const body = field(n, "body");
        const fn: FuncDef = {
          id: nextId(),
          exported: false,
          params: params(field(n, "parameters")),
          body: body ? [{ k: "return", value: expr(body), loc: locOf(body) }] : [],
          decorators: [],
          loc,
        };
        functions.push(fn);
        return { k: "func", fn, loc };
      }
      case "list_comprehension":
      case "set_comprehension":
      case "generator_expression":
      case "dictionary_comprehension":
        return compOf(n);
      case "named_expression": {
        const name = field(n, "name");
        const value = field(n, "value");
        if (!name || !value) return unknown(n);
        return { k: "assignExpr", target: pattern(name), value: expr(value), loc };
      }
      case "keyword_argument": {
        const v = field(n, "value");
        return v ? expr(v) : unknown(n);
      }
      case "as_pattern": {
        const first = named(n)[0];
        return first ? expr(first) : unknown(n);
      }
      default:
        return unknown(
          n,
          named(n)
            .filter((c) => c.type !== "comment")
            .map(expr),
        );
    }
  }

  function pattern(n: SyntaxNode): Pattern {
    return guard<Pattern>({ k: "ignore", loc: locOf(n) }, () => {
      const loc = locOf(n);
      switch (n.type) {
        case "identifier":
          return { k: "name", name: text(n), loc };
        case "attribute":
        case "subscript":
          return { k: "member", target: expr(n), loc };
        case "pattern_list":
        case "tuple_pattern":
        case "list_pattern":
        case "tuple":
        case "list":
        case "expression_list":
          return { k: "seq", items: named(n).map(pattern), loc };
        case "list_splat_pattern":
        case "list_splat": {
          const a = named(n)[0];
          return { k: "rest", pattern: a ? pattern(a) : { k: "ignore", loc }, loc };
        }
        case "parenthesized_expression": {
          const a = named(n)[0];
          return a ? pattern(a) : { k: "ignore", loc };
        }
        case "as_pattern_target": {
          const a = named(n)[0];
          return a ? pattern(a) : { k: "ignore", loc };
        }
        default:
          return { k: "ignore", loc };
      }
    });
  }

  function params(n: SyntaxNode | null): Param[] {
    if (!n) return [];
    const out: Param[] = [];
    for (const p of named(n)) {
      const loc = locOf(p);
      switch (p.type) {
        case "identifier":
          out.push({ name: text(p), pattern: { k: "name", name: text(p), loc }, kind: "normal" });
          break;
        case "typed_parameter": {
          const id = named(p).find((c) => c.type === "identifier");
          const ls = named(p).find(
            (c) => c.type === "list_splat_pattern" || c.type === "dictionary_splat_pattern",
          );
          const type = field(p, "type");
          const target = id ?? (ls ? named(ls)[0] : undefined);
          if (!target) break;
          out.push({
            name: text(target),
            pattern: { k: "name", name: text(target), loc },
            kind: ls ? (ls.type === "list_splat_pattern" ? "rest" : "kwrest") : "normal",
            ...(type ? { type: text(type) } : {}),
          });
          break;
        }
        case "default_parameter":
        case "typed_default_parameter": {
          const name = field(p, "name");
          const value = field(p, "value");
          const type = field(p, "type");
          if (!name) break;
          out.push({
            name: text(name),
            pattern: pattern(name),
            kind: "normal",
            ...(value ? { default: expr(value) } : {}),
            ...(type ? { type: text(type) } : {}),
          });
          break;
        }
        case "list_splat_pattern":
        case "dictionary_splat_pattern": {
          const id = named(p)[0];
          if (!id) break;
          out.push({
            name: text(id),
            pattern: { k: "name", name: text(id), loc },
            kind: p.type === "list_splat_pattern" ? "rest" : "kwrest",
          });
          break;
        }
        case "tuple_pattern":
          out.push({ pattern: pattern(p), kind: "normal" });
          break;
        default:
          break; // `*` and `/` separators
      }
    }
    return out;
  }

  function funcDef(n: SyntaxNode, decorators: Expr[]): FuncDef {
    const name = field(n, "name");
    const className = currentClass.at(-1) || undefined;
    const fn: FuncDef = {
      id: nextId(),
      ...(name ? { name: text(name) } : {}),
      exported: true,
      params: params(field(n, "parameters")),
      body: [],
      decorators,
      ...(className ? { className } : {}),
      loc: locOf(n),
    };
    functions.push(fn);
    currentClass.push(""); // functions nested in a method are not methods
    try {
      fn.body = block(field(n, "body"));
    } finally {
      currentClass.pop();
    }
    return fn;
  }

  const currentClass: string[] = [];

  function stmt(n: SyntaxNode): Stmt[] {
    return guard<Stmt[]>([], () => stmtInner(n));
  }

  function assignStmt(n: SyntaxNode, loc: Loc): Stmt[] {
    const left = field(n, "left");
    const right = field(n, "right");
    if (!left || !right) return [];
    // Chained assignment `a = b = value`: the tree nests the rest on the right.
    if (right.type === "assignment") {
      const inner = assignStmt(right, loc);
      const last = inner.at(-1);
      if (last?.k === "assign")
        return [...inner, { k: "assign", target: pattern(left), value: last.value, loc }];
      return inner;
    }
    return [{ k: "assign", target: pattern(left), value: expr(right), loc }];
  }

  function stmtInner(n: SyntaxNode): Stmt[] {
    const loc = locOf(n);
    switch (n.type) {
      case "expression_statement": {
        const out: Stmt[] = [];
        for (const c of named(n)) {
          if (c.type === "assignment") out.push(...assignStmt(c, loc));
          else if (c.type === "augmented_assignment") {
            const l = field(c, "left");
            const r = field(c, "right");
            const op = field(c, "operator");
            if (l && r)
              out.push({ k: "assign", target: pattern(l), value: expr(r), op: op ? text(op) : "+=", loc });
          } else if (c.type === "comment") {
          } else {
            const e = expr(c);
            out.push(isExitCall(e) ? { k: "exit", value: e, loc } : { k: "expr", e, loc });
          }
        }
        return out;
      }
      case "return_statement": {
        const v = named(n).filter((c) => c.type !== "comment");
        if (v.length === 0) return [{ k: "return", loc }];
        return [
          { k: "return", value: v.length === 1 ? expr(v[0]!) : { k: "list", items: v.map(expr), loc }, loc },
        ];
      }
      case "if_statement": {
        const cond = field(n, "condition");
        const alts = n.childrenForFieldName("alternative").filter((c): c is SyntaxNode => c !== null);
        let orelse: Stmt[] = [];
        for (let i = alts.length - 1; i >= 0; i--) {
          const a = alts[i]!;
          if (a.type === "else_clause") orelse = block(field(a, "body"));
          else if (a.type === "elif_clause") {
            const c = field(a, "condition");
            orelse = [
              {
                k: "if",
                test: c ? expr(c) : unknown(a),
                ifTrue: block(field(a, "consequence")),
                ifFalse: orelse,
                loc: locOf(a),
              },
            ];
          }
        }
        return [
          {
            k: "if",
            test: cond ? expr(cond) : unknown(n),
            ifTrue: block(field(n, "consequence")),
            ifFalse: orelse,
            loc,
          },
        ];
      }
      case "for_statement": {
        const l = field(n, "left");
        const r = field(n, "right");
        const alt = field(n, "alternative");
        return [
          {
            k: "loop",
            ...(l ? { target: pattern(l) } : {}),
            ...(r ? { iter: expr(r) } : {}),
            body: block(field(n, "body")),
            orelse: alt ? block(field(alt, "body")) : [],
            loc,
          },
        ];
      }
      case "while_statement": {
        const c = field(n, "condition");
        const alt = field(n, "alternative");
        return [
          {
            k: "loop",
            ...(c ? { test: expr(c) } : {}),
            body: block(field(n, "body")),
            orelse: alt ? block(field(alt, "body")) : [],
            loc,
          },
        ];
      }
      case "try_statement": {
        const handlers: { target?: Pattern; body: Stmt[] }[] = [];
        let fin: Stmt[] = [];
        const body = block(field(n, "body"));
        for (const c of named(n)) {
          if (c.type === "except_clause" || c.type === "except_group_clause") {
            const b = named(c).find((x) => x.type === "block");
            const value = field(c, "value");
            const alias = value?.type === "as_pattern" ? field(value, "alias") : null;
            handlers.push({ ...(alias ? { target: pattern(alias) } : {}), body: block(b ?? null) });
          } else if (c.type === "else_clause") body.push(...block(field(c, "body")));
          else if (c.type === "finally_clause") fin = block(named(c).find((x) => x.type === "block") ?? null);
        }
        return [{ k: "try", body, handlers, finally: fin, loc }];
      }
      case "with_statement": {
        const out: Stmt[] = [];
        const clause = named(n).find((c) => c.type === "with_clause");
        for (const item of clause ? named(clause) : []) {
          if (item.type !== "with_item") continue;
          const v = field(item, "value");
          if (!v) continue;
          if (v.type === "as_pattern") {
            const e = named(v)[0];
            const alias = field(v, "alias");
            if (e && alias)
              out.push({ k: "assign", target: pattern(alias), value: expr(e), loc: locOf(item) });
            else if (e) out.push({ k: "expr", e: expr(e), loc: locOf(item) });
          } else out.push({ k: "expr", e: expr(v), loc: locOf(item) });
        }
        out.push(...block(field(n, "body")));
        return [{ k: "block", body: out, loc }];
      }
      case "function_definition":
        return [{ k: "func", fn: funcDef(n, []), loc }];
      case "decorated_definition": {
        const decorators = named(n)
          .filter((c) => c.type === "decorator")
          .map((d) => {
            const e = named(d)[0];
            return e ? expr(e) : unknown(d);
          });
        const def = field(n, "definition");
        if (!def) return [];
        if (def.type === "function_definition") return [{ k: "func", fn: funcDef(def, decorators), loc }];
        return stmt(def);
      }
      case "class_definition": {
        const name = field(n, "name");
        const supers = field(n, "superclasses");
        const cname = name ? text(name) : "?";
        currentClass.push(cname);
        try {
          return [
            {
              k: "class",
              name: cname,
              body: block(field(n, "body")),
              bases: supers ? named(supers).map(expr) : [],
              loc,
            },
          ];
        } finally {
          currentClass.pop();
        }
      }
      case "import_statement": {
        const bindings: { local: string; path: string }[] = [];
        for (const c of named(n)) {
          if (c.type === "dotted_name") {
            // `import os.path` binds `os`
            const path = text(c).replace(/\s+/g, "");
            bindings.push({ local: path.split(".")[0]!, path: path.split(".")[0]! });
          } else if (c.type === "aliased_import") {
            const nm = field(c, "name");
            const alias = field(c, "alias");
            if (nm && alias) bindings.push({ local: text(alias), path: text(nm).replace(/\s+/g, "") });
          }
        }
        return [{ k: "import", bindings, loc }];
      }
      case "import_from_statement": {
        const mod = field(n, "module_name");
        const base = mod ? text(mod).replace(/\s+/g, "").replace(/^\.+/, "") : "";
        const bindings: { local: string; path: string }[] = [];
        for (const c of n.childrenForFieldName("name")) {
          if (!c) continue;
          if (c.type === "dotted_name") {
            const nm = text(c).replace(/\s+/g, "");
            bindings.push({ local: nm.split(".").at(-1)!, path: base ? `${base}.${nm}` : nm });
          } else if (c.type === "aliased_import") {
            const nm = field(c, "name");
            const alias = field(c, "alias");
            if (nm && alias) {
              const t = text(nm).replace(/\s+/g, "");
              bindings.push({ local: text(alias), path: base ? `${base}.${t}` : t });
            }
          }
        }
        return [{ k: "import", bindings, loc }];
      }
      case "raise_statement":
      case "break_statement":
      case "continue_statement":
        return [{ k: "exit", loc }];
      case "match_statement": {
        const body = field(n, "body");
        const cases = body ? named(body).filter((c) => c.type === "case_clause") : [];
        const subject = field(n, "subject");
        let orelse: Stmt[] = [];
        for (let i = cases.length - 1; i >= 0; i--) {
          const c = cases[i]!;
          orelse = [
            {
              k: "if",
              test: unknown(c, subject ? [expr(subject)] : []),
              ifTrue: block(field(c, "consequence")),
              ifFalse: orelse,
              loc: locOf(c),
            },
          ];
        }
        return orelse;
      }
      case "block":
        return [{ k: "block", body: block(n), loc }];
      case "pass_statement":
      case "comment":
      case "global_statement":
      case "nonlocal_statement":
      case "future_import_statement":
      case "type_alias_statement":
        return [];
      default: {
        // print/exec (Python 2), assert, del, ERROR nodes: keep their expressions and statements.
        const out: Stmt[] = [];
        for (const c of named(n)) {
          if (c.type === "comment") continue;
          if (STATEMENT_TYPES.has(c.type)) out.push(...stmt(c));
          else out.push({ k: "expr", e: expr(c), loc: locOf(c) });
        }
        return out;
      }
    }
  }

  const body = block(root);
  return { family: "python", body, functions, truncated };
}

const STATEMENT_TYPES = new Set([
  "expression_statement",
  "return_statement",
  "if_statement",
  "for_statement",
  "while_statement",
  "try_statement",
  "with_statement",
  "function_definition",
  "decorated_definition",
  "class_definition",
  "import_statement",
  "import_from_statement",
  "raise_statement",
  "block",
  "match_statement",
]);

/** Calls that end the request: abort(403), sys.exit(), os._exit(). */
function isExitCall(e: Expr): boolean {
  if (e.k !== "call") return false;
  const c = e.callee;
  if (c.k === "name") return c.name === "abort" || c.name === "exit";
  return c.k === "attr" && (c.name === "abort" || c.name === "exit" || c.name === "_exit");
}
