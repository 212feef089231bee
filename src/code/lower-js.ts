/** Lowers tree-sitter-javascript / typescript / tsx syntax trees to the IR (ir.ts). */
import type { DictEntry, Expr, FuncDef, Loc, Module, Param, Pattern, Stmt } from "./ir.js";
import { MAX_LOWER_DEPTH } from "./lower-python.js";
import type { LanguageFamily, SyntaxNode } from "./parse.js";

const locOf = (n: SyntaxNode): Loc => ({ line: n.startPosition.row + 1, endLine: n.endPosition.row + 1 });

const named = (n: SyntaxNode): SyntaxNode[] =>
  n.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== "comment");

const FUNCTION_TYPES = new Set([
  "function_declaration",
  "generator_function_declaration",
  "function_expression",
  "function",
  "generator_function",
  "arrow_function",
  "method_definition",
]);

/** TypeScript-only wrappers whose value is their first child. */
const TRANSPARENT = new Set([
  "as_expression",
  "satisfies_expression",
  "non_null_expression",
  "type_assertion",
  "parenthesized_expression",
]);

/** Type-only declarations: nothing to analyse. */
const TYPE_ONLY = new Set([
  "interface_declaration",
  "type_alias_declaration",
  "ambient_declaration",
  "function_signature",
  "abstract_method_signature",
  "index_signature",
  "empty_statement",
  "debugger_statement",
  "comment",
  "hash_bang_line",
]);

/** Normalised comparison / logical operators. */
const OPS: Record<string, { k: "binop" | "compare"; op: string }> = {
  "&&": { k: "binop", op: "and" },
  "||": { k: "binop", op: "or" },
  "??": { k: "binop", op: "or" },
  "==": { k: "compare", op: "==" },
  "===": { k: "compare", op: "==" },
  "!=": { k: "compare", op: "!=" },
  "!==": { k: "compare", op: "!=" },
  "<": { k: "compare", op: "<" },
  ">": { k: "compare", op: ">" },
  "<=": { k: "compare", op: "<=" },
  ">=": { k: "compare", op: ">=" },
  in: { k: "compare", op: "in" },
  instanceof: { k: "compare", op: "instanceof" },
};

/** JavaScript / TypeScript source → IR. */
export function lowerJs(root: SyntaxNode, src: string, family: LanguageFamily, nextId: () => number): Module {
  const functions: FuncDef[] = [];
  let truncated = false;
  let depth = 0;
  const text = (n: SyntaxNode) => src.slice(n.startIndex, n.endIndex);
  const field = (n: SyntaxNode, f: string) => n.childForFieldName(f);
  const unknown = (n: SyntaxNode, children: Expr[] = []): Expr => ({ k: "unknown", children, loc: locOf(n) });
  const currentClass: string[] = [];

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

  function stringValue(n: SyntaxNode): string {
    const t = text(n);
    return t.length >= 2 ? t.slice(1, -1) : "";
  }

  function template(n: SyntaxNode): Expr {
    const parts: (string | Expr)[] = [];
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === "template_substitution") {
        const inner = named(c)[0];
        parts.push(inner ? expr(inner) : unknown(c));
      } else parts.push(text(c));
    }
    if (parts.every((p) => typeof p === "string")) return { k: "str", value: parts.join(""), loc: locOf(n) };
    return { k: "template", parts, loc: locOf(n) };
  }

  function args(n: SyntaxNode | null): Expr[] {
    if (!n) return [];
    if (n.type === "template_string") return [template(n)];
    return named(n).map(expr);
  }

  /** Name a function is bound to, when the syntax says so. */
  function func(n: SyntaxNode, bindName?: string, exported = false): FuncDef {
    const name = field(n, "name");
    const fn: FuncDef = {
      id: nextId(),
      ...(bindName ? { name: bindName } : name ? { name: text(name) } : {}),
      exported,
      params: [],
      body: [],
      decorators: [],
      loc: locOf(n),
    };
    if (n.type === "method_definition" && currentClass.at(-1)) fn.className = currentClass.at(-1)!;
    functions.push(fn);
    const single = field(n, "parameter");
    fn.params = single
      ? [{ name: text(single), pattern: pattern(single), kind: "normal" }]
      : params(field(n, "parameters"));
    currentClass.push("");
    try {
      const body = field(n, "body");
      if (!body) fn.body = [];
      else if (body.type === "statement_block") fn.body = block(body);
      else fn.body = [{ k: "return", value: expr(body), loc: locOf(body) }];
    } finally {
      currentClass.pop();
    }
    return fn;
  }

  function params(n: SyntaxNode | null): Param[] {
    if (!n) return [];
    const out: Param[] = [];
    for (const p of named(n)) {
      if (p.type === "required_parameter" || p.type === "optional_parameter") {
        const pat = field(p, "pattern");
        const type = field(p, "type");
        const value = field(p, "value");
        if (!pat) continue;
        const typeText = type ? text(type).replace(/^:\s*/, "") : undefined;
        const isRest = pat.type === "rest_pattern";
        const inner = isRest ? (named(pat)[0] ?? pat) : pat;
        out.push({
          ...(inner.type === "identifier" ? { name: text(inner) } : {}),
          pattern: pattern(inner),
          kind: isRest ? "rest" : "normal",
          ...(value ? { default: expr(value) } : {}),
          ...(typeText ? { type: typeText } : {}),
        });
      } else if (p.type === "assignment_pattern") {
        const l = field(p, "left");
        const r = field(p, "right");
        if (!l) continue;
        out.push({
          ...(l.type === "identifier" ? { name: text(l) } : {}),
          pattern: pattern(l),
          kind: "normal",
          ...(r ? { default: expr(r) } : {}),
        });
      } else if (p.type === "rest_pattern") {
        const inner = named(p)[0];
        if (!inner) continue;
        out.push({
          ...(inner.type === "identifier" ? { name: text(inner) } : {}),
          pattern: pattern(inner),
          kind: "rest",
        });
      } else {
        out.push({
          ...(p.type === "identifier" ? { name: text(p) } : {}),
          pattern: pattern(p),
          kind: "normal",
        });
      }
    }
    return out;
  }

  function pattern(n: SyntaxNode): Pattern {
    return guard<Pattern>({ k: "ignore", loc: locOf(n) }, () => {
      const loc = locOf(n);
      switch (n.type) {
        case "identifier":
        case "shorthand_property_identifier_pattern":
          return { k: "name", name: text(n), loc };
        case "member_expression":
        case "subscript_expression":
          return { k: "member", target: expr(n), loc };
        case "array_pattern":
        case "array":
          return { k: "seq", items: named(n).map(pattern), loc };
        case "object_pattern":
        case "object": {
          const props: { key: string; value: Pattern; default?: Expr }[] = [];
          let rest: Pattern | undefined;
          for (const c of named(n)) {
            if (
              c.type === "shorthand_property_identifier_pattern" ||
              c.type === "shorthand_property_identifier"
            )
              props.push({ key: text(c), value: { k: "name", name: text(c), loc: locOf(c) } });
            else if (c.type === "pair_pattern" || c.type === "pair") {
              const k = field(c, "key");
              const v = field(c, "value");
              if (!k || !v) continue;
              const key =
                k.type === "string" ? stringValue(k) : k.type === "computed_property_name" ? "" : text(k);
              props.push({ key, value: pattern(v) });
            } else if (c.type === "object_assignment_pattern") {
              const l = field(c, "left");
              const r = field(c, "right");
              if (!l) continue;
              props.push({ key: text(l), value: pattern(l), ...(r ? { default: expr(r) } : {}) });
            } else if (c.type === "rest_pattern") {
              const inner = named(c)[0];
              if (inner) rest = pattern(inner);
            }
          }
          return { k: "object", props, ...(rest ? { rest } : {}), loc };
        }
        case "assignment_pattern": {
          const l = field(n, "left");
          const r = field(n, "right");
          if (!l) return { k: "ignore", loc };
          return r ? { k: "default", pattern: pattern(l), value: expr(r), loc } : pattern(l);
        }
        case "rest_pattern": {
          const inner = named(n)[0];
          return { k: "rest", pattern: inner ? pattern(inner) : { k: "ignore", loc }, loc };
        }
        default:
          if (TRANSPARENT.has(n.type)) {
            const inner = named(n)[0];
            return inner ? pattern(inner) : { k: "ignore", loc };
          }
          return { k: "ignore", loc };
      }
    });
  }

  function expr(n: SyntaxNode): Expr {
    return guard(unknown(n), () => exprInner(n));
  }

  /** The name an assignment's left side gives a function: `exports.handler` → handler. */
  function bindingOf(left: SyntaxNode): { name?: string; exported: boolean } {
    if (left.type === "identifier") return { name: text(left), exported: false };
    if (left.type === "member_expression") {
      const o = field(left, "object");
      const p = field(left, "property");
      const ot = o ? text(o).replace(/\s+/g, "") : "";
      const exported = ot === "exports" || ot === "module.exports";
      if (ot === "module" && p && text(p) === "exports") return { name: "default", exported: true };
      return { ...(p ? { name: text(p) } : {}), exported };
    }
    return { exported: false };
  }

  function exprInner(n: SyntaxNode, bindName?: string, exported = false): Expr {
    const loc = locOf(n);
    if (FUNCTION_TYPES.has(n.type)) return { k: "func", fn: func(n, bindName, exported), loc };
    if (TRANSPARENT.has(n.type)) {
      const inner = named(n)[0];
      return inner ? expr(inner) : unknown(n);
    }
    switch (n.type) {
      case "identifier":
      case "shorthand_property_identifier":
      case "property_identifier":
        return { k: "name", name: text(n), loc };
      case "this":
        return { k: "name", name: "this", loc };
      case "undefined":
      case "null":
        return { k: "none", loc };
      case "string":
        return { k: "str", value: stringValue(n), loc };
      case "template_string":
        return template(n);
      case "number":
        return { k: "num", value: Number(text(n).replace(/_/g, "")) || 0, loc };
      case "true":
        return { k: "bool", value: true, loc };
      case "false":
        return { k: "bool", value: false, loc };
      case "regex": {
        const p = field(n, "pattern");
        return { k: "regex", pattern: p ? text(p) : "", loc };
      }
      case "member_expression": {
        const o = field(n, "object");
        const p = field(n, "property");
        if (!o || !p) return unknown(n);
        return { k: "attr", obj: expr(o), name: text(p), loc };
      }
      case "subscript_expression": {
        const o = field(n, "object");
        const i = field(n, "index");
        if (!o) return unknown(n);
        return { k: "index", obj: expr(o), index: i ? expr(i) : unknown(n), loc };
      }
      case "call_expression": {
        const f = field(n, "function");
        const a = field(n, "arguments");
        if (!f) return unknown(n);
        return {
          k: "call",
          callee: expr(f),
          args: args(a),
          kwargs: [],
          isNew: false,
          tagged: a?.type === "template_string",
          loc,
        };
      }
      case "new_expression": {
        const c = field(n, "constructor");
        if (!c) return unknown(n);
        return {
          k: "call",
          callee: expr(c),
          args: args(field(n, "arguments")),
          kwargs: [],
          isNew: true,
          tagged: false,
          loc,
        };
      }
      case "binary_expression": {
        const l = field(n, "left");
        const r = field(n, "right");
        const o = field(n, "operator");
        if (!l || !r) return unknown(n);
        const op = o ? text(o) : "?";
        const norm = OPS[op];
        if (norm?.k === "compare") return { k: "compare", op: norm.op, left: expr(l), right: expr(r), loc };
        return { k: "binop", op: norm?.op ?? op, left: expr(l), right: expr(r), loc };
      }
      case "unary_expression": {
        const a = field(n, "argument");
        const o = field(n, "operator");
        if (!a) return unknown(n);
        const op = o ? text(o) : "?";
        return { k: "unop", op: op === "!" ? "not" : op, arg: expr(a), loc };
      }
      case "await_expression": {
        const a = named(n)[0];
        return a ? { k: "unop", op: "await", arg: expr(a), loc } : unknown(n);
      }
      case "spread_element": {
        const a = named(n)[0];
        return a ? { k: "unop", op: "spread", arg: expr(a), loc } : unknown(n);
      }
      case "ternary_expression": {
        const c = field(n, "condition");
        const t = field(n, "consequence");
        const e = field(n, "alternative");
        if (!c || !t || !e) return unknown(n, named(n).map(expr));
        return { k: "cond", test: expr(c), ifTrue: expr(t), ifFalse: expr(e), loc };
      }
      case "array":
        return { k: "list", items: named(n).map(expr), loc };
      case "object": {
        const entries: DictEntry[] = [];
        for (const c of named(n)) {
          const cl = locOf(c);
          if (c.type === "pair") {
            const k = field(c, "key");
            const v = field(c, "value");
            if (!k || !v) continue;
            const key =
              k.type === "string"
                ? stringValue(k)
                : k.type === "computed_property_name"
                  ? undefined
                  : text(k);
            const keyExpr =
              k.type === "computed_property_name" && named(k)[0] ? expr(named(k)[0]!) : undefined;
            const value = FUNCTION_TYPES.has(v.type) ? exprInner(v, key) : expr(v);
            entries.push({
              ...(key !== undefined ? { key } : {}),
              ...(keyExpr ? { keyExpr } : {}),
              value,
              loc: cl,
            });
          } else if (c.type === "shorthand_property_identifier") {
            entries.push({ key: text(c), value: { k: "name", name: text(c), loc: cl }, loc: cl });
          } else if (c.type === "spread_element") {
            const a = named(c)[0];
            if (a) entries.push({ value: expr(a), spread: true, loc: cl });
          } else if (c.type === "method_definition") {
            const nm = field(c, "name");
            entries.push({
              ...(nm ? { key: text(nm) } : {}),
              value: { k: "func", fn: func(c), loc: cl },
              loc: cl,
            });
          }
        }
        return { k: "dict", entries, loc };
      }
      case "assignment_expression": {
        const l = field(n, "left");
        const r = field(n, "right");
        if (!l || !r) return unknown(n);
        const b = bindingOf(l);
        const value = FUNCTION_TYPES.has(r.type) ? exprInner(r, b.name, b.exported) : expr(r);
        return { k: "assignExpr", target: pattern(l), value, loc };
      }
      case "augmented_assignment_expression": {
        const l = field(n, "left");
        const r = field(n, "right");
        const o = field(n, "operator");
        if (!l || !r) return unknown(n);
        const op = o ? text(o).slice(0, -1) : "+";
        return {
          k: "assignExpr",
          target: pattern(l),
          value: { k: "binop", op: OPS[op]?.op ?? op, left: expr(l), right: expr(r), loc },
          loc,
        };
      }
      case "sequence_expression":
        return unknown(n, named(n).map(expr));
      case "class":
        classBody(n);
        return unknown(n);
      default:
        return unknown(n, named(n).map(expr));
    }
  }

  function classBody(n: SyntaxNode): Stmt[] {
    const name = field(n, "name");
    const cname = name ? text(name) : "?";
    const body = field(n, "body");
    const out: Stmt[] = [];
    currentClass.push(cname);
    try {
      for (const m of body ? named(body) : []) {
        if (m.type === "method_definition") {
          const nm = field(m, "name");
          out.push({ k: "func", fn: func(m, nm ? text(nm) : undefined), loc: locOf(m) });
        } else if (m.type === "field_definition" || m.type === "public_field_definition") {
          const p = field(m, "property") ?? field(m, "name");
          const v = field(m, "value");
          if (p && v)
            out.push({
              k: "assign",
              target: { k: "name", name: text(p), loc: locOf(p) },
              value: FUNCTION_TYPES.has(v.type) ? exprInner(v, text(p)) : expr(v),
              loc: locOf(m),
            });
        } else if (m.type === "class_static_block") {
          out.push(...block(field(m, "body")));
        }
      }
    } finally {
      currentClass.pop();
    }
    return out;
  }

  function block(n: SyntaxNode | null): Stmt[] {
    if (!n) return [];
    if (n.type === "statement_block" || n.type === "program" || n.type === "class_body")
      return named(n).flatMap(stmt);
    return stmt(n);
  }

  function stmt(n: SyntaxNode): Stmt[] {
    return guard<Stmt[]>([], () => stmtInner(n));
  }

  function declaration(n: SyntaxNode, exported: boolean): Stmt[] {
    const out: Stmt[] = [];
    for (const d of named(n)) {
      if (d.type !== "variable_declarator") continue;
      const nm = field(d, "name");
      const v = field(d, "value");
      if (!nm || !v) continue;
      const bind = nm.type === "identifier" ? text(nm) : undefined;
      const value = FUNCTION_TYPES.has(v.type) ? exprInner(v, bind, exported) : expr(v);
      out.push({ k: "assign", target: pattern(nm), value, loc: locOf(d) });
    }
    return out;
  }

  function stmtInner(n: SyntaxNode): Stmt[] {
    const loc = locOf(n);
    if (TYPE_ONLY.has(n.type)) return [];
    switch (n.type) {
      case "expression_statement": {
        const e = named(n)[0];
        if (!e) return [];
        if (e.type === "assignment_expression" || e.type === "augmented_assignment_expression") {
          const a = expr(e);
          if (a.k === "assignExpr")
            return [
              {
                k: "assign",
                target: a.target,
                value: a.value,
                loc,
              },
            ];
        }
        const x = expr(e);
        return [isExitCall(x) ? { k: "exit", value: x, loc } : { k: "expr", e: x, loc }];
      }
      case "lexical_declaration":
      case "variable_declaration":
        return declaration(n, false);
      case "return_statement": {
        const v = named(n)[0];
        return [v ? { k: "return", value: expr(v), loc } : { k: "return", loc }];
      }
      case "if_statement": {
        const c = field(n, "condition");
        const alt = field(n, "alternative");
        const altBody = alt ? named(alt)[0] : undefined;
        return [
          {
            k: "if",
            test: c ? expr(c) : unknown(n),
            ifTrue: block(field(n, "consequence")),
            ifFalse: altBody ? block(altBody) : [],
            loc,
          },
        ];
      }
      case "for_statement": {
        const init = field(n, "initializer");
        const cond = field(n, "condition");
        const inc = field(n, "increment");
        const pre = init ? stmt(init) : [];
        const body = block(field(n, "body"));
        if (inc) body.push({ k: "expr", e: expr(inc), loc: locOf(inc) });
        return [...pre, { k: "loop", ...(cond?.isNamed ? { test: expr(cond) } : {}), body, orelse: [], loc }];
      }
      case "for_in_statement": {
        const l = field(n, "left");
        const r = field(n, "right");
        return [
          {
            k: "loop",
            ...(l ? { target: pattern(l) } : {}),
            ...(r ? { iter: expr(r) } : {}),
            body: block(field(n, "body")),
            orelse: [],
            loc,
          },
        ];
      }
      case "while_statement":
      case "do_statement": {
        const c = field(n, "condition");
        return [
          { k: "loop", ...(c ? { test: expr(c) } : {}), body: block(field(n, "body")), orelse: [], loc },
        ];
      }
      case "try_statement": {
        const h = field(n, "handler");
        const f = field(n, "finalizer");
        const param = h ? field(h, "parameter") : null;
        return [
          {
            k: "try",
            body: block(field(n, "body")),
            handlers: h
              ? [{ ...(param ? { target: pattern(param) } : {}), body: block(field(h, "body")) }]
              : [],
            finally: f ? block(field(f, "body")) : [],
            loc,
          },
        ];
      }
      case "switch_statement": {
        const v = field(n, "value");
        const body = field(n, "body");
        const cases = body ? named(body) : [];
        let orelse: Stmt[] = [];
        for (let i = cases.length - 1; i >= 0; i--) {
          const c = cases[i]!;
          const stmts = c.childrenForFieldName("body").filter((x): x is SyntaxNode => x !== null);
          const value = field(c, "value");
          orelse = [
            {
              k: "if",
              test: unknown(c, [...(v ? [expr(v)] : []), ...(value ? [expr(value)] : [])]),
              ifTrue: stmts.flatMap(stmt).filter((s) => !(s.k === "exit" && s.value === undefined)),
              ifFalse: orelse,
              loc: locOf(c),
            },
          ];
        }
        return orelse;
      }
      case "statement_block":
        return [{ k: "block", body: block(n), loc }];
      case "labeled_statement": {
        const b = field(n, "body");
        return b ? stmt(b) : [];
      }
      case "function_declaration":
      case "generator_function_declaration":
        return [{ k: "func", fn: func(n), loc }];
      case "class_declaration":
      case "abstract_class_declaration": {
        const name = field(n, "name");
        const heritage = named(n).find((c) => c.type === "class_heritage");
        return [
          {
            k: "class",
            name: name ? text(name) : "?",
            body: classBody(n),
            bases: heritage ? named(heritage).map(expr) : [],
            loc,
          },
        ];
      }
      case "import_statement":
        return [{ k: "import", bindings: esImport(n), loc }];
      case "export_statement": {
        const decl = field(n, "declaration");
        if (decl) {
          if (decl.type === "lexical_declaration" || decl.type === "variable_declaration")
            return declaration(decl, true);
          if (decl.type === "function_declaration" || decl.type === "generator_function_declaration") {
            const fn = func(decl);
            fn.exported = true;
            return [{ k: "func", fn, loc }];
          }
          return stmt(decl);
        }
        const value = field(n, "value");
        if (value) {
          const e = FUNCTION_TYPES.has(value.type) ? exprInner(value, "default", true) : expr(value);
          return [{ k: "assign", target: { k: "name", name: "default", loc }, value: e, loc }];
        }
        return [];
      }
      case "throw_statement":
      case "break_statement":
      case "continue_statement": {
        const v = named(n)[0];
        return [{ k: "exit", ...(v && n.type === "throw_statement" ? { value: expr(v) } : {}), loc }];
      }
      case "module":
      case "internal_module": {
        const b = field(n, "body");
        return b ? block(b) : [];
      }
      case "enum_declaration":
        return [];
      default: {
        const out: Stmt[] = [];
        for (const c of named(n)) {
          if (STATEMENT_TYPES.has(c.type)) out.push(...stmt(c));
          else out.push({ k: "expr", e: expr(c), loc: locOf(c) });
        }
        return out;
      }
    }
  }

  /** ES import bindings: default, namespace and named imports. */
  function esImport(n: SyntaxNode): { local: string; path: string }[] {
    const source = field(n, "source");
    if (!source) return [];
    const mod = normaliseModule(stringValue(source));
    const out: { local: string; path: string }[] = [];
    const clause = named(n).find((c) => c.type === "import_clause");
    for (const c of clause ? named(clause) : []) {
      if (c.type === "identifier") out.push({ local: text(c), path: mod });
      else if (c.type === "namespace_import") {
        const id = named(c)[0];
        if (id) out.push({ local: text(id), path: mod });
      } else if (c.type === "named_imports") {
        for (const s of named(c)) {
          if (s.type !== "import_specifier") continue;
          const nm = field(s, "name");
          const alias = field(s, "alias");
          if (!nm) continue;
          const imported = nm.type === "string" ? stringValue(nm) : text(nm);
          out.push({
            local: alias ? text(alias) : imported,
            path: imported === "default" ? mod : `${mod}.${imported}`,
          });
        }
      }
    }
    return out;
  }

  const body = block(root);
  return { family, body, functions, truncated };
}

/** `node:fs/promises` → `fs.promises`: module specifiers as dotted paths. */
export function normaliseModule(spec: string): string {
  return spec.replace(/^node:/, "").replace(/\//g, ".");
}

const STATEMENT_TYPES = new Set([
  "expression_statement",
  "lexical_declaration",
  "variable_declaration",
  "return_statement",
  "if_statement",
  "for_statement",
  "for_in_statement",
  "while_statement",
  "do_statement",
  "try_statement",
  "switch_statement",
  "statement_block",
  "function_declaration",
  "class_declaration",
  "import_statement",
  "export_statement",
  "throw_statement",
]);

/** process.exit(), which ends the request as surely as a throw. */
function isExitCall(e: Expr): boolean {
  return (
    e.k === "call" &&
    e.callee.k === "attr" &&
    e.callee.name === "exit" &&
    e.callee.obj.k === "name" &&
    e.callee.obj.name === "process"
  );
}
