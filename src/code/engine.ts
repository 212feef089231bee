/**
 * The taint engine: an abstract interpreter over the IR of one module.
 *
 * Sources are the parameters of entry points (a Lambda handler's event, an HTTP framework's
 * request object, route parameters) and request objects imported from web frameworks. Taint flows
 * through assignments, destructuring, attribute and index access, string building (concatenation,
 * templates, f-strings, % and .format), unknown calls (their result carries their arguments'
 * taint) and calls of functions defined in the same module (analysed again with the caller's
 * argument values, a few levels deep). Sanitisers clear the sink kinds they make safe; guards
 * (allow-list membership, anchored regular expressions, a normalised path checked with
 * startswith) clear them on the branch where the check holds.
 *
 * Statements run in order; branches run on forked scopes that are joined afterwards, and a branch
 * that always exits (return, raise, abort) leaves the other branch's facts in force. Loops run
 * their body twice so loop-carried values reach a fixed point for the facts we track.
 */
import type { Expr, FuncDef, Loc, Module, Param, Pattern, Stmt } from "./ir.js";
import type { LanguageFamily } from "./parse.js";
import {
  type CallSite,
  type HookContext,
  type Hooks,
  isPasswordName,
  requestMember,
  semantics,
  sinksOf,
} from "./rules.js";
import {
  ALL_KINDS,
  CLEAN,
  type Closure,
  derive,
  isTainted,
  join,
  joinTaint,
  PATH,
  Scope,
  SQL,
  sanitize,
  type Value,
} from "./values.js";

/** One detection before it becomes a CodeFinding. */
export interface RawFinding {
  key: string;
  loc: Loc;
  message: string;
  /** Judged by names and shapes rather than a definite format (left out in test files). */
  generic?: boolean;
}

export interface EngineLimits {
  /** Interpretation steps per module before the analysis stops (the file is reported partial). */
  maxSteps: number;
  /** Depth of calls into local functions analysed with the caller's arguments. */
  maxCallDepth: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = { maxSteps: 2_000_000, maxCallDepth: 3 };

class BudgetExhausted extends Error {}

interface Frame {
  fn?: FuncDef;
  returns: Value[];
  /** Functions created in this frame, analysed when it finishes. */
  pending: Closure[];
  /** The hook context of this frame, made once. */
  ctx?: HookContext;
}

const SQL_WORDS = /^\s*(select|insert|update|delete|with|create|drop|alter|replace|merge|truncate)\b/i;
const SQL_SHAPE = /\b(select\s.+\sfrom|insert\s+into|update\s.+\sset|delete\s+from|where\s.+[=<>])/i;
const looksLikeSql = (s: string) => SQL_WORDS.test(s) || SQL_SHAPE.test(s);

/** Constant text of a string value (for messages and SQL sniffing). */
const strValue = (s: string): Value => {
  const v: Value = { str: s, prefix: s };
  if (looksLikeSql(s)) v.sqlish = true;
  return v;
};

/** Runs the analysis of one module and returns what the detectors reported. */
export function analyzeModule(
  mod: Module,
  hooks: Hooks,
  limits: Partial<EngineLimits> = {},
): { findings: RawFinding[]; exhausted: boolean } {
  const engine = new Engine(mod, hooks, { ...DEFAULT_ENGINE_LIMITS, ...limits });
  let exhausted = false;
  try {
    engine.run();
  } catch (e) {
    if (!(e instanceof BudgetExhausted)) throw e;
    exhausted = true;
  }
  return { findings: [...engine.findings.values()], exhausted };
}

class Engine {
  readonly findings = new Map<string, RawFinding>();
  private steps = 0;
  private readonly family: LanguageFamily;
  private readonly methods = new Map<string, Map<string, FuncDef>>();
  private readonly memo = new Map<string, Value>();
  private readonly inProgress = new Set<number>();
  private callDepth = 0;
  private loopDepth = 0;
  private frames: Frame[] = [];
  /** Name the value being evaluated is assigned to (for the pattern detectors). */
  private assignName: string | undefined;
  private readonly moduleScope = new Scope();
  /** The module imports a web framework: a `request` parameter is an HTTP request. */
  private readonly webFramework: boolean;
  /** The module uses Koa: a `ctx` parameter carries the request. */
  private readonly koa: boolean;

  constructor(
    private readonly mod: Module,
    private readonly hooks: Hooks,
    private readonly limits: EngineLimits,
  ) {
    this.family = mod.family;
    const isKoa = (m: string) => /^(koa|@koa\.router|koa-router)(\.|$)/.test(m);
    this.koa = mod.body.some(
      (st) =>
        (st.k === "import" && st.bindings.some((b) => isKoa(b.path))) ||
        (st.k === "assign" && requiredModule(st.value) !== undefined && isKoa(requiredModule(st.value)!)),
    );
    this.webFramework = mod.body.some(
      (st) => st.k === "import" && st.bindings.some((b) => WEB_FRAMEWORKS.test(b.path)),
    );
    for (const fn of mod.functions) {
      if (!fn.className || !fn.name) continue;
      let m = this.methods.get(fn.className);
      if (!m) {
        m = new Map();
        this.methods.set(fn.className, m);
      }
      m.set(fn.name, fn);
    }
  }

  run(): void {
    const frame: Frame = { returns: [], pending: [] };
    this.frames.push(frame);
    this.execBlock(this.mod.body, this.moduleScope);
    this.drain(frame);
    this.frames.pop();
  }

  report(key: string, loc: Loc, message: string, options: { generic?: boolean } = {}): void {
    const id = `${key}\0${loc.line}\0${loc.endLine}`;
    if (!this.findings.has(id))
      this.findings.set(id, { key, loc, message, ...(options.generic ? { generic: true } : {}) });
  }

  private tick(): void {
    if (++this.steps > this.limits.maxSteps) throw new BudgetExhausted();
  }

  private get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  // ---------------------------------------------------------------- functions

  /** Analyses the functions created in a frame as entry points of their own. */
  private drain(frame: Frame): void {
    while (frame.pending.length > 0) {
      const c = frame.pending.shift()!;
      this.analyzeRoot(c);
    }
  }

  private analyzeRoot(c: Closure): void {
    const bindings = this.entryBindings(c.fn);
    this.invoke(c, bindings, true);
  }

  /** Parameter values of a function analysed as an entry point (its sources). */
  private entryBindings(fn: FuncDef): Map<Param, Value> {
    const out = new Map<Param, Value>();
    const ps = fn.params;
    const names = ps.map((p) => (p.name ?? "").toLowerCase());
    const first = names[0] ?? "";
    const fnName = (fn.name ?? "").toLowerCase();
    const taint = (origin: string, loc: Loc): Value => ({
      taint: { kinds: ALL_KINDS, origin, line: loc.line },
    });
    // self / cls of a method
    let start = 0;
    if (fn.className && this.family === "python" && (first === "self" || first === "cls")) {
      out.set(ps[0]!, { selfOf: fn.className });
      start = 1;
    }
    const lambdaHandler =
      (/^_?(event|evt)$/.test(names[start] ?? "") &&
        (/^_?(context|ctx|_)$/.test(names[start + 1] ?? "") ||
          /(^|_)handler$|handler$|^handle$|^main$/.test(fnName))) ||
      (/(^|_)handler$|handler$/.test(fnName) &&
        (/^(event|evt|e|payload|input|_event)$/.test(names[start] ?? "") ||
          ps[start]?.pattern.k === "object"));
    // Koa: (ctx) / (ctx, next) in a module that uses Koa — ctx.request, ctx.query, ctx.params
    if (this.koa && names[start] === "ctx" && !lambdaHandler && ps[start])
      out.set(ps[start]!, { request: true });
    if (lambdaHandler && ps[start]) out.set(ps[start]!, taint(ps[start]!.name ?? "event", fn.loc));
    // HTTP handlers: (req, res), (request, reply), request: Request, Flask/FastAPI routes
    for (let i = start; i < ps.length; i++) {
      const p = ps[i]!;
      const n = names[i]!;
      const typed = p.type !== undefined && /\b(Request|HttpRequest|APIGatewayProxyEvent\w*)\b/.test(p.type);
      const reqLike =
        (n === "req" || n === "request") &&
        (i === start || typed) &&
        (this.family === "python"
          ? this.webFramework
          : /^(res|response|reply|h|resp)$/.test(names[i + 1] ?? "") || typed);
      if (typed && /APIGatewayProxyEvent/.test(p.type!)) out.set(p, taint(p.name ?? "event", fn.loc));
      else if (reqLike || typed) out.set(p, { request: true });
    }
    if (this.family === "python" && fn.decorators.some(isRouteDecorator)) {
      for (let i = start; i < ps.length; i++) {
        const p = ps[i]!;
        if (out.has(p)) continue;
        if (p.default && p.default.k === "call") continue; // Depends(...), Header(...) stay untracked
        if (p.kind !== "normal") continue;
        out.set(p, taint(`route parameter ${p.name ?? "?"}`, fn.loc));
      }
    }
    // JavaScript methods see their instance as `this`
    return out;
  }

  /**
   * Runs a function body with the given parameter values; returns the joined return value.
   * `root`: analysed as an entry point (memoised on the function alone).
   */
  private invoke(c: Closure, bindings: Map<Param, Value>, root: boolean, self?: Value): Value {
    const fn = c.fn;
    // A closure over input is analysed per closure; any other only once.
    const at = this.closesOverInput(c.scope) ? `${fn.id}@${c.scope.id}` : `${fn.id}`;
    const sig = root ? `${at}:root` : `${at}:${[...bindings.values()].map(signature).join(",")}`;
    const cached = this.memo.get(sig);
    if (cached) return cached;
    if (this.inProgress.has(fn.id)) return CLEAN;
    this.inProgress.add(fn.id);
    this.memo.set(sig, CLEAN); // recursion through another path sees a clean result
    const scope = new Scope(c.scope);
    const selfValue = self ?? c.self ?? (fn.className ? { selfOf: fn.className } : undefined);
    if (selfValue && this.family !== "python") scope.vars.set("this", selfValue);
    for (const p of fn.params) {
      let v = bindings.get(p);
      if (v === undefined) {
        v = p.default ? this.eval(p.default, c.scope) : CLEAN;
        if (p.name && p.default?.k === "str")
          this.hooks.onAssign?.(this.ctx(), p.name, v, p.default, p.default.loc);
      }
      if (p.name && isPasswordName(p.name) && !v.pw) v = { ...v, pw: true };
      this.bind(p.pattern, v, scope, true);
    }
    const frame: Frame = { fn, returns: [], pending: [] };
    this.frames.push(frame);
    try {
      this.hoist(fn.body, scope);
      this.execBlock(fn.body, scope);
      this.drain(frame);
    } finally {
      this.frames.pop();
      this.inProgress.delete(fn.id);
    }
    const result = frame.returns.length === 0 ? CLEAN : frame.returns.reduce((a, b) => join(a, b));
    this.memo.set(sig, result);
    return result;
  }

  /** Whether a function scope (or one it is nested in, below the module) holds tracked values. */
  private closesOverInput(scope: Scope): boolean {
    for (let s: Scope | undefined = scope; s && s.id !== this.moduleScope.id; s = s.parent) {
      for (const v of s.vars.values()) if (interesting(v)) return true;
    }
    return false;
  }

  /** A call of a function defined in this module, analysed with the caller's values. */
  private callLocal(c: Closure, args: Value[], kwargs: Map<string, Value>, self?: Value): Value {
    if (this.callDepth >= this.limits.maxCallDepth) return derive(...args, ...kwargs.values());
    const params = c.fn.params;
    const bindings = new Map<Param, Value>();
    let start = 0;
    if (
      this.family === "python" &&
      c.fn.className &&
      params[0] &&
      /^(self|cls)$/.test(params[0].name ?? "")
    ) {
      bindings.set(params[0], self ?? c.self ?? { selfOf: c.fn.className });
      start = 1;
    }
    let ai = 0;
    for (let i = start; i < params.length; i++) {
      const p = params[i]!;
      if (p.kind === "rest") {
        bindings.set(p, { items: args.slice(ai) });
        ai = args.length;
      } else if (p.kind === "kwrest") {
        bindings.set(p, { props: new Map(kwargs) });
      } else if (p.name && kwargs.has(p.name)) bindings.set(p, kwargs.get(p.name)!);
      else if (ai < args.length) bindings.set(p, args[ai++]!);
    }
    // Nothing worth tracking goes in: the function's own analysis tells what comes out.
    if (![...bindings.values()].some(interesting)) return this.invoke(c, this.entryBindings(c.fn), true);
    this.callDepth++;
    try {
      return this.invoke(c, bindings, false, self);
    } finally {
      this.callDepth--;
    }
  }

  // ---------------------------------------------------------------- statements

  /** Function declarations are visible in their whole block (JS hoisting; Python at call time). */
  private hoist(stmts: Stmt[], scope: Scope): void {
    for (const s of stmts) {
      if (s.k === "func" && s.fn.name) scope.vars.set(s.fn.name, { fn: { fn: s.fn, scope } });
    }
  }

  private execBlock(stmts: Stmt[], scope: Scope): void {
    for (const s of stmts) this.exec(s, scope);
  }

  private exec(s: Stmt, scope: Scope): void {
    this.tick();
    switch (s.k) {
      case "expr":
        this.eval(s.e, scope);
        return;
      case "assign": {
        const name = patternName(s.target);
        const prev = this.assignName;
        this.assignName = name;
        let v: Value;
        try {
          v = this.eval(s.value, scope);
          if (s.op) {
            const cur = this.evalPatternRead(s.target, scope);
            v = this.binop(s.op.replace(/=$/, ""), cur, v);
          }
        } finally {
          this.assignName = prev;
        }
        this.assignTo(s.target, v, scope, s.value, s.loc);
        return;
      }
      case "return": {
        const v = s.value ? this.eval(s.value, scope) : CLEAN;
        this.frame.returns.push(v);
        const fn = this.frame.fn;
        if (fn?.name && s.value) this.hooks.onReturn?.(this.ctx(), fn.name, v, s.loc);
        return;
      }
      case "if":
        this.execIf(s, scope);
        return;
      case "loop": {
        // A second pass carries values around the loop; nested loops get one pass each.
        const passes = this.loopDepth < 2 ? 2 : 1;
        this.loopDepth++;
        try {
          for (let pass = 0; pass < passes; pass++) {
            if (s.iter && s.target) {
              const it = this.eval(s.iter, scope);
              this.bind(s.target, elementOf(it), scope, false);
            } else if (s.iter) this.eval(s.iter, scope);
            if (s.test) this.eval(s.test, scope);
            this.execBlock(s.body, scope);
          }
        } finally {
          this.loopDepth--;
        }
        this.execBlock(s.orelse, scope);
        return;
      }
      case "try": {
        // The body may stop anywhere: a handler starts from either state, and afterwards the
        // variables are those of the body or of a handler that did not exit.
        const body = scope.fork();
        this.hoist(s.body, body);
        this.execBlock(s.body, body);
        let after = body;
        for (const h of s.handlers) {
          const hs = Scope.joined(scope, body);
          if (h.target) this.bind(h.target, CLEAN, hs, true);
          this.hoist(h.body, hs);
          this.execBlock(h.body, hs);
          if (!alwaysExits(h.body)) after = Scope.joined(after, hs);
        }
        scope.adopt(after);
        this.execBlock(s.finally, scope);
        return;
      }
      case "block":
        this.hoist(s.body, scope);
        this.execBlock(s.body, scope);
        return;
      case "func": {
        const c: Closure = { fn: s.fn, scope };
        if (s.fn.name && !s.fn.className) scope.assign(s.fn.name, { fn: c }, true);
        this.frame.pending.push(c);
        return;
      }
      case "class": {
        for (const b of s.bases) this.eval(b, scope);
        const classScope = new Scope(scope);
        this.execBlock(s.body, classScope);
        // Methods close over the enclosing scope, not the class body.
        const props = new Map<string, Value>();
        for (const [k, v] of classScope.vars) props.set(k, v.fn ? { fn: { ...v.fn, scope } } : v);
        scope.assign(s.name, { props, cls: s.name }, true);
        return;
      }
      case "import":
        for (const b of s.bindings) scope.assign(b.local, this.refValue(b.path), true);
        return;
      case "exit":
        if (s.value) this.eval(s.value, scope);
        return;
    }
  }

  private execIf(s: Extract<Stmt, { k: "if" }>, scope: Scope): void {
    this.eval(s.test, scope);
    const guards = this.guardsOf(s.test, scope);
    const thenScope = scope.fork();
    const elseScope = scope.fork();
    this.applyGuards(guards, true, thenScope);
    this.applyGuards(guards, false, elseScope);
    this.hoist(s.ifTrue, thenScope);
    this.execBlock(s.ifTrue, thenScope);
    this.hoist(s.ifFalse, elseScope);
    this.execBlock(s.ifFalse, elseScope);
    const thenExits = alwaysExits(s.ifTrue);
    const elseExits = alwaysExits(s.ifFalse);
    if (thenExits && !elseExits) scope.adopt(elseScope);
    else if (elseExits && !thenExits) scope.adopt(thenScope);
    else scope.adopt(Scope.joined(thenScope, elseScope));
  }

  // ---------------------------------------------------------------- guards

  /** Facts a condition establishes: `name` is safe for `kinds` when the condition is `when`. */
  private guardsOf(test: Expr, scope: Scope): { name: string; kinds: number; when: boolean }[] {
    switch (test.k) {
      case "unop":
        if (test.op === "not") return this.guardsOf(test.arg, scope).map((g) => ({ ...g, when: !g.when }));
        if (test.op === "await") return this.guardsOf(test.arg, scope);
        return [];
      case "binop":
        if (test.op === "and") {
          // both hold when true
          return [...this.guardsOf(test.left, scope), ...this.guardsOf(test.right, scope)].filter(
            (g) => g.when,
          );
        }
        if (test.op === "or") {
          // both fail when false
          return [...this.guardsOf(test.left, scope), ...this.guardsOf(test.right, scope)].filter(
            (g) => !g.when,
          );
        }
        return [];
      case "compare": {
        // x in ALLOWED / x not in ALLOWED
        if (
          (test.op === "in" || test.op === "not in") &&
          test.left.k === "name" &&
          this.family === "python"
        ) {
          const coll = this.eval(test.right, scope);
          if (coll.taint) return [];
          return [{ name: test.left.name, kinds: ALL_KINDS, when: test.op === "in" }];
        }
        // typeof x === "number"
        if (
          (test.op === "==" || test.op === "!=") &&
          test.left.k === "unop" &&
          test.left.op === "typeof" &&
          test.left.arg.k === "name" &&
          test.right.k === "str" &&
          (test.right.value === "number" || test.right.value === "boolean")
        )
          return [{ name: test.left.arg.name, kinds: ALL_KINDS, when: test.op === "==" }];
        // ALLOWED.indexOf(x) !== -1 and friends are left alone.
        // `x.startswith(BASE) == False`
        if ((test.op === "==" || test.op === "!=") && test.right.k === "bool") {
          const inner = this.guardsOf(test.left, scope);
          const positive = (test.op === "==") === test.right.value;
          return inner.map((g) => ({ ...g, when: positive ? g.when : !g.when }));
        }
        return [];
      }
      case "call":
        return this.callGuards(test, scope);
      case "assignExpr":
        return [];
      default:
        return [];
    }
  }

  private callGuards(
    test: Extract<Expr, { k: "call" }>,
    scope: Scope,
  ): { name: string; kinds: number; when: boolean }[] {
    const c = test.callee;
    const arg0 = test.args[0];
    // x.startswith(BASE) on a normalised path
    if (c.k === "attr" && /^(startswith|startsWith)$/.test(c.name) && c.obj.k === "name") {
      const v = scope.lookup(c.obj.name);
      if (v?.normalized && arg0) {
        const base = this.eval(arg0, scope);
        if (!base.taint) return [{ name: c.obj.name, kinds: PATH, when: true }];
      }
      return [];
    }
    // x.isdigit() / x.isalnum() …
    if (
      c.k === "attr" &&
      /^(isdigit|isdecimal|isnumeric|isalnum|isidentifier|isalpha)$/.test(c.name) &&
      c.obj.k === "name"
    )
      return [{ name: c.obj.name, kinds: ALL_KINDS, when: true }];
    // ALLOWED.includes(x) / ALLOWED.has(x)
    if (c.k === "attr" && /^(includes|has)$/.test(c.name) && arg0?.k === "name") {
      const coll = this.eval(c.obj, scope);
      if (!coll.taint && !coll.request) return [{ name: arg0.name, kinds: ALL_KINDS, when: true }];
      return [];
    }
    // Number.isInteger(x) / Number.isSafeInteger(x) / isinstance(x, int)
    if (
      c.k === "attr" &&
      c.obj.k === "name" &&
      c.obj.name === "Number" &&
      /^is(Safe)?Integer$|^isFinite$/.test(c.name)
    ) {
      if (arg0?.k === "name") return [{ name: arg0.name, kinds: ALL_KINDS, when: true }];
      return [];
    }
    if (c.k === "name" && c.name === "isinstance" && arg0?.k === "name") {
      const t = test.args[1];
      const types = t?.k === "list" ? t.items : t ? [t] : [];
      if (types.length > 0 && types.every((x) => x.k === "name" && /^(int|float|bool)$/.test(x.name)))
        return [{ name: arg0.name, kinds: ALL_KINDS, when: true }];
      return [];
    }
    // re.fullmatch(r"^[a-z]+$", x) / /^\w+$/.test(x)
    let pattern: string | undefined;
    let subject: Expr | undefined;
    if (c.k === "attr" && c.name === "test") {
      const r = this.eval(c.obj, scope);
      pattern = r.regex;
      subject = arg0;
    } else {
      const callee = this.eval(c, scope);
      if (callee.ref && /^re\.(fullmatch|match)$/.test(callee.ref) && arg0) {
        pattern = this.eval(arg0, scope).str;
        subject = test.args[1];
        if (pattern !== undefined && callee.ref === "re.fullmatch" && !pattern.startsWith("^"))
          pattern = `^${pattern}`;
        if (pattern !== undefined && callee.ref === "re.fullmatch" && !pattern.endsWith("$"))
          pattern = `${pattern}$`;
      }
    }
    if (pattern !== undefined && subject?.k === "name" && isStrictPattern(pattern))
      return [{ name: subject.name, kinds: ALL_KINDS, when: true }];
    return [];
  }

  private applyGuards(
    guards: { name: string; kinds: number; when: boolean }[],
    when: boolean,
    scope: Scope,
  ): void {
    for (const g of guards) {
      if (g.when !== when) continue;
      const v = scope.lookup(g.name);
      if (v?.taint) scope.vars.set(g.name, sanitize(v, g.kinds));
    }
  }

  // ---------------------------------------------------------------- bindings

  private assignTo(target: Pattern, v: Value, scope: Scope, valueExpr: Expr, loc: Loc): void {
    const name = patternName(target);
    if (name !== undefined) this.hooks.onAssign?.(this.ctx(), name, v, valueExpr, loc, target);
    this.bind(target, v, scope, false);
  }

  private bind(p: Pattern, v: Value, scope: Scope, local: boolean): void {
    switch (p.k) {
      case "name":
        scope.assign(p.name, v, local || this.family === "python");
        return;
      case "member": {
        // a.b = v: record on the object when it is a variable we track
        const t = p.target;
        if (t.k === "attr" || t.k === "index") {
          const key = t.k === "attr" ? t.name : constKey(t.index);
          this.eval(t.obj, scope);
          if (t.obj.k === "name") {
            const obj = scope.lookup(t.obj.name);
            if (obj && (obj.props || obj.selfOf) && key !== undefined) {
              obj.props ??= new Map();
              obj.props.set(key, v);
            } else if (obj && v.taint && !obj.ref && !obj.request) {
              // storing input into an untracked container taints the container
              scope.assign(t.obj.name, { ...obj, taint: joinTaint(obj.taint, v.taint)! }, false);
            }
          }
        }
        return;
      }
      case "seq": {
        const items = v.items;
        p.items.forEach((item, i) => {
          if (item.k === "rest")
            this.bind(item.pattern, items ? { items: items.slice(i) } : elementOf(v), scope, local);
          else this.bind(item, items?.[i] ?? elementOf(v), scope, local);
        });
        return;
      }
      case "object":
        for (const prop of p.props) {
          let pv = this.member(v, prop.key);
          if (prop.default) pv = join(pv, this.eval(prop.default, scope));
          this.bind(prop.value, pv, scope, local);
        }
        if (p.rest) this.bind(p.rest, v, scope, local);
        return;
      case "default":
        this.bind(p.pattern, join(v, this.eval(p.value, scope)), scope, local);
        return;
      case "rest":
        this.bind(p.pattern, v, scope, local);
        return;
      case "ignore":
        return;
    }
  }

  private evalPatternRead(p: Pattern, scope: Scope): Value {
    if (p.k === "name") return scope.lookup(p.name) ?? CLEAN;
    if (p.k === "member") return this.eval(p.target, scope);
    return CLEAN;
  }

  // ---------------------------------------------------------------- expressions

  /** A module member or builtin by its dotted path, with framework request objects recognised. */
  private refValue(path: string): Value {
    if (/^(flask|quart|bottle|sanic|werkzeug\.local)\.request$/.test(path))
      return { request: true, ref: path };
    return { ref: path };
  }

  /** Reads a member of a value (attribute or constant key). */
  private member(obj: Value, name: string, loc?: Loc): Value {
    if (obj.props?.has(name)) {
      const v = obj.props.get(name)!;
      return isPasswordName(name) && !v.pw ? { ...v, pw: true } : v;
    }
    if (obj.request) {
      const t = requestMember(this.family, name);
      if (t === "tainted") {
        return { taint: { kinds: ALL_KINDS, origin: `request.${name}`, line: loc?.line ?? 0 } };
      }
      if (t === "request") return { request: true };
      if (obj.ref) return this.refValue(`${obj.ref}.${name}`);
      return CLEAN;
    }
    if (obj.selfOf) {
      const m = this.methods.get(obj.selfOf)?.get(name);
      if (m) return { fn: { fn: m, scope: this.moduleScope, self: obj } };
      return isPasswordName(name) ? { pw: true } : CLEAN;
    }
    if (obj.ref !== undefined) {
      const v = this.refValue(`${obj.ref}.${name}`);
      if (obj.taint) v.taint = obj.taint;
      return v;
    }
    if (name === "length") return { num: 0 };
    const out: Value = {};
    if (obj.taint) out.taint = obj.taint;
    if (obj.pw || isPasswordName(name)) out.pw = true;
    if (obj.rand) out.rand = obj.rand;
    if (obj.normalized) out.normalized = true;
    if (obj.weakHash) out.weakHash = obj.weakHash;
    return out;
  }

  eval(e: Expr, scope: Scope): Value {
    this.tick();
    switch (e.k) {
      case "name": {
        const v = scope.lookup(e.name);
        if (v === undefined) {
          if (e.name === "this") return CLEAN;
          return this.refValue(e.name);
        }
        if (isPasswordName(e.name) && !v.pw) return { ...v, pw: true };
        return v;
      }
      case "str":
        return strValue(e.value);
      case "template": {
        const vals: Value[] = [];
        let prefix = "";
        let prefixOpen = true;
        let text = "";
        let known = true;
        for (const p of e.parts) {
          if (typeof p === "string") {
            text += p;
            if (prefixOpen) prefix += p;
            continue;
          }
          const v = this.eval(p, scope);
          vals.push(v);
          if (v.str !== undefined) {
            text += v.str;
            if (prefixOpen) prefix += v.str;
          } else {
            known = false;
            prefixOpen = false;
          }
        }
        const out = derive(...vals);
        if (known) out.str = text;
        out.prefix = prefix;
        if (looksLikeSql(text)) out.sqlish = true;
        return out;
      }
      case "num":
        return { num: e.value };
      case "bool":
        return { bool: e.value };
      case "none":
        return { none: true };
      case "regex":
        return { regex: e.pattern };
      case "attr": {
        const obj = this.eval(e.obj, scope);
        const v = this.member(obj, e.name, e.loc);
        if (v.ref) this.hooks.onRef?.(this.ctx(), v.ref, e.loc);
        return v;
      }
      case "index": {
        const obj = this.eval(e.obj, scope);
        const idx = this.eval(e.index, scope);
        if (idx.str !== undefined) return this.member(obj, idx.str, e.loc);
        if (obj.items && idx.num !== undefined && obj.items[idx.num]) return obj.items[idx.num]!;
        if (obj.request) return { taint: { kinds: ALL_KINDS, origin: "request", line: e.loc.line } };
        // A constant table indexed by input yields one of its constants (an allow-list map).
        const out = elementOf(obj);
        if (obj.ref) return {};
        return out;
      }
      case "call":
        return this.evalCall(e, scope);
      case "binop": {
        const l = this.eval(e.left, scope);
        const r = this.eval(e.right, scope);
        return this.binop(e.op, l, r);
      }
      case "unop": {
        const a = this.eval(e.arg, scope);
        if (e.op === "await" || e.op === "spread") return a;
        if (e.op === "-" || e.op === "+" || e.op === "~") return randOf(a);
        return CLEAN; // not / ! / typeof / void: booleans
      }
      case "compare": {
        const l = this.eval(e.left, scope);
        const r = this.eval(e.right, scope);
        this.hooks.onCompare?.(this.ctx(), e, l, r);
        return CLEAN;
      }
      case "cond": {
        this.eval(e.test, scope);
        return join(this.eval(e.ifTrue, scope), this.eval(e.ifFalse, scope));
      }
      case "list": {
        const items: Value[] = [];
        for (const i of e.items) {
          if (i.k === "unop" && i.op === "spread") {
            const v = this.eval(i.arg, scope);
            if (v.items) items.push(...v.items);
            else items.push(elementOf(v));
          } else items.push(this.eval(i, scope));
        }
        const out = derive(...items);
        out.items = items;
        return out;
      }
      case "dict": {
        const props = new Map<string, Value>();
        const parts: Value[] = [];
        for (const en of e.entries) {
          if (en.keyExpr && en.key === undefined) parts.push(this.eval(en.keyExpr, scope));
          const prev = this.assignName;
          if (en.key !== undefined) this.assignName = en.key;
          let v: Value;
          try {
            v = this.eval(en.value, scope);
          } finally {
            this.assignName = prev;
          }
          if (en.spread) {
            if (v.props) for (const [k, pv] of v.props) props.set(k, pv);
            parts.push(v);
          } else if (en.key !== undefined) {
            props.set(en.key, v);
            this.hooks.onAssign?.(this.ctx(), en.key, v, en.value, en.loc);
          } else parts.push(v);
        }
        const out = derive(...parts, ...props.values());
        out.props = props;
        return out;
      }
      case "func": {
        const c: Closure = { fn: e.fn, scope };
        this.frame.pending.push(c);
        return { fn: c };
      }
      case "comp": {
        const inner = new Scope(scope);
        for (const cl of e.clauses) {
          const it = this.eval(cl.iter, inner);
          this.bind(cl.target, elementOf(it), inner, true);
        }
        const elt = this.eval(e.elt, inner);
        return derive(elt);
      }
      case "assignExpr": {
        const v = this.eval(e.value, scope);
        this.assignTo(e.target, v, scope, e.value, e.loc);
        return v;
      }
      case "unknown":
        return derive(...e.children.map((c) => this.eval(c, scope)));
    }
  }

  private binop(op: string, l: Value, r: Value): Value {
    switch (op) {
      case "and":
      case "or":
        return join(l, r);
      case "+": {
        if (l.num !== undefined && r.num !== undefined) return { num: l.num + r.num };
        const out = derive(l, r);
        if (l.str !== undefined && r.str !== undefined) out.str = l.str + r.str;
        if (l.str !== undefined) out.prefix = l.str + (r.str ?? r.prefix ?? "");
        else if (l.prefix !== undefined) out.prefix = l.prefix;
        if (l.normalized || r.normalized) {
          /* concatenation undoes normalisation */
        }
        if (out.str !== undefined && looksLikeSql(out.str)) out.sqlish = true;
        return out;
      }
      case "%": {
        if (l.str === undefined && l.prefix === undefined && !l.taint) return randOf(l, r); // arithmetic
        const out = derive(l, r);
        if (l.str !== undefined) out.prefix = l.str.split("%")[0]!;
        return out;
      }
      case "*":
        return derive(l, r);
      default:
        return randOf(l, r); // - / // ** | & ^ << >> …: numbers
    }
  }

  /** Syntactic receiver chain of a callee: `self.db.cursor()` → "self.db.cursor()". */
  private chainText(e: Expr): string | undefined {
    switch (e.k) {
      case "name":
        return e.name;
      case "attr": {
        const o = this.chainText(e.obj);
        return o === undefined ? undefined : `${o}.${e.name}`;
      }
      case "call": {
        const o = this.chainText(e.callee);
        return o === undefined ? undefined : `${o}()`;
      }
      case "index": {
        const o = this.chainText(e.obj);
        return o === undefined ? undefined : `${o}[]`;
      }
      case "unop":
        return e.op === "await" ? this.chainText(e.arg) : undefined;
      default:
        return undefined;
    }
  }

  private ctx(): HookContext {
    const frame = this.frame;
    if (frame.ctx) return frame.ctx;
    const fn = frame.fn;
    frame.ctx = {
      family: this.family,
      report: (key, loc, message, options) => this.report(key, loc, message, options),
      ...(fn?.name ? { fnName: fn.name } : {}),
    };
    return frame.ctx;
  }

  private evalCall(e: Extract<Expr, { k: "call" }>, scope: Scope): Value {
    let receiver: Value | undefined;
    let callee: Value;
    let method: string | undefined;
    let receiverText: string | undefined;
    if (e.callee.k === "attr") {
      receiver = this.eval(e.callee.obj, scope);
      callee = this.member(receiver, e.callee.name, e.loc);
      if (callee.ref) this.hooks.onRef?.(this.ctx(), callee.ref, e.callee.loc);
      method = e.callee.name;
      receiverText = this.chainText(e.callee.obj);
    } else {
      callee = this.eval(e.callee, scope);
      if (e.callee.k === "name") method = e.callee.name;
    }
    const args: Value[] = [];
    for (const a of e.args) {
      if (a.k === "unop" && a.op === "spread") {
        const v = this.eval(a.arg, scope);
        if (v.items) args.push(...v.items);
        else args.push(elementOf(v));
      } else args.push(this.eval(a, scope));
    }
    const kwargs = new Map<string, Value>();
    for (const kw of e.kwargs) {
      const prev = this.assignName;
      this.assignName = kw.name;
      try {
        const v = this.eval(kw.value, scope);
        kwargs.set(kw.name, v);
        this.hooks.onAssign?.(this.ctx(), kw.name, v, kw.value, kw.value.loc);
      } finally {
        this.assignName = prev;
      }
    }
    const call: CallSite = {
      family: this.family,
      ...(callee.ref !== undefined ? { path: callee.ref } : {}),
      ...(method !== undefined ? { method } : {}),
      ...(receiverText !== undefined ? { receiverText } : {}),
      ...(receiver !== undefined ? { receiver } : {}),
      args,
      argExprs: e.args,
      kwargs,
      isNew: e.isNew,
      tagged: e.tagged,
      loc: e.loc,
      ...(this.assignName !== undefined ? { assignName: this.assignName } : {}),
    };
    // injection sinks
    for (const sink of sinksOf(call)) {
      const hit = sink.values.find((v) => isTainted(v, sink.kind));
      if (hit?.taint) {
        this.report(
          sink.key,
          e.loc,
          `Untrusted input from ${hit.taint.origin} (line ${hit.taint.line}) reaches ${sink.what}.`,
        );
      }
    }
    this.hooks.onCall?.(this.ctx(), call);

    // callbacks of calls on input (req.on("data", chunk => …), tainted.forEach(x => …))
    const feed = receiver && (receiver.taint || receiver.request) ? elementOf(receiver) : undefined;
    for (const a of args) {
      if (!a.fn) continue;
      if (feed?.taint && this.callDepth < this.limits.maxCallDepth) {
        const b = new Map<Param, Value>();
        const p0 = a.fn.fn.params[0];
        if (p0) b.set(p0, feed);
        this.callDepth++;
        try {
          this.invoke(a.fn, b, false);
        } finally {
          this.callDepth--;
        }
      }
    }

    // require("x")
    if (method === "require" && e.callee.k === "name" && !callee.fn && args[0]?.str !== undefined)
      return this.refValue(args[0].str.replace(/^node:/, "").replace(/\//g, "."));

    const known = semantics(call) ?? this.hooks.resultOf?.(call);
    if (known) return known;

    // instantiating a class of this module: an instance whose methods we can follow
    if (callee.cls) {
      const self: Value = { selfOf: callee.cls };
      const init = this.methods.get(callee.cls)?.get(this.family === "python" ? "__init__" : "constructor");
      if (init) this.callLocal({ fn: init, scope: this.moduleScope, self }, args, kwargs, self);
      return self;
    }

    if (callee.fn) return this.callLocal(callee.fn, args, kwargs, callee.fn.self);

    // a mutating method stores its arguments' taint into the receiver variable
    if (
      e.callee.k === "attr" &&
      e.callee.obj.k === "name" &&
      method &&
      MUTATORS.has(method) &&
      receiver &&
      !receiver.ref
    ) {
      const added = derive(...args);
      if (added.taint || added.pw || added.rand) {
        const name = e.callee.obj.name;
        const cur = scope.lookup(name) ?? CLEAN;
        const next: Value = { ...cur, ...derive(cur, added) };
        delete next.str;
        scope.assign(name, next, false);
      }
    }

    // unknown call: its result carries the taint of what went in
    const out = derive(
      receiver && (receiver.ref === undefined || receiver.taint) ? receiver : undefined,
      ...args,
      ...kwargs.values(),
    );
    if (receiver?.request && !out.taint) {
      // request.get_json(), req.get("X-Header"), req.param("id")
      if (method && requestMember(this.family, method) === "tainted")
        out.taint = { kinds: ALL_KINDS, origin: `request.${method}()`, line: e.loc.line };
    }
    if (callee.ref !== undefined) out.ref = `${callee.ref}()`;
    if (receiver?.normalized && method && /^(resolve|absolute|realpath)$/.test(method)) out.normalized = true;
    if (e.tagged && method && /^(sql|SQL|raw)$/.test(method)) return sanitize(out, SQL);
    return out;
  }
}

/** `require("m")` / `require("m").x` / `require("m")(…)`: the module "m" (dotted). */
function requiredModule(e: Expr): string | undefined {
  let x = e;
  while (x.k === "attr" || (x.k === "call" && !(x.callee.k === "name" && x.callee.name === "require")))
    x = x.k === "attr" ? x.obj : x.callee;
  if (x.k === "call" && x.args[0]?.k === "str")
    return x.args[0].value.replace(/^node:/, "").replace(/\//g, ".");
  return undefined;
}

const WEB_FRAMEWORKS =
  /^(flask|django|fastapi|starlette|pyramid|aiohttp|tornado|bottle|falcon|sanic|quart|werkzeug|rest_framework|chalice|connexion|litestar|responder|cherrypy|webob)\b/;

/** A number computed from others: no taint, but still as predictable as a random() it came from. */
function randOf(...vals: Value[]): Value {
  const rand = vals.find((v) => v.rand)?.rand;
  return rand ? { rand } : CLEAN;
}

const MUTATORS = new Set([
  "append",
  "extend",
  "insert",
  "push",
  "unshift",
  "add",
  "update",
  "set",
  "concat",
  "write",
]);

/** Elements of a collection, or what iterating a value yields. */
function elementOf(v: Value): Value {
  if (v.items && v.items.length > 0) return v.items.reduce((a, b) => join(a, b));
  const out: Value = {};
  if (v.taint) out.taint = v.taint;
  else if (v.request) return { taint: { kinds: ALL_KINDS, origin: "request", line: 0 } };
  if (v.pw) out.pw = true;
  if (v.rand) out.rand = v.rand;
  if (v.props && !v.taint) return derive(...v.props.values());
  return out;
}

/** Whether a value carries anything the analysis tracks across a call. */
function interesting(v: Value, depth = 0): boolean {
  if (v.taint || v.request || v.pw || v.rand || v.normalized || v.weakHash) return true;
  if (depth > 2) return false;
  if (v.items?.some((i) => interesting(i, depth + 1))) return true;
  if (v.props) for (const p of v.props.values()) if (interesting(p, depth + 1)) return true;
  return false;
}

function signature(v: Value, depth = 0): string {
  let s = v.taint ? String(v.taint.kinds) : "0";
  if (v.request) s += "r";
  if (v.pw) s += "p";
  if (v.rand) s += "R";
  if (v.normalized) s += "n";
  if (v.selfOf) s += `s${v.selfOf}`;
  if (v.weakHash) s += "h";
  if (depth < 2 && v.items) s += `[${v.items.map((i) => signature(i, depth + 1)).join(",")}]`;
  if (depth < 2 && v.props)
    s += `{${[...v.props].map(([k, x]) => `${k}:${signature(x, depth + 1)}`).join(",")}}`;
  return s;
}

/** Name an assignment target gives its value: variable, attribute or constant key. */
function patternName(p: Pattern): string | undefined {
  if (p.k === "name") return p.name;
  if (p.k === "member") {
    const t = p.target;
    if (t.k === "attr") return t.name;
    if (t.k === "index") return constKey(t.index);
  }
  return undefined;
}

function constKey(e: Expr): string | undefined {
  if (e.k === "str") return e.value;
  if (e.k === "num") return String(e.value);
  return undefined;
}

/** Whether a block never falls through (its last statement returns, raises or both branches do). */
export function alwaysExits(stmts: Stmt[]): boolean {
  for (const s of stmts) {
    if (s.k === "return" || s.k === "exit") return true;
    if (s.k === "if" && alwaysExits(s.ifTrue) && alwaysExits(s.ifFalse)) return true;
    if (s.k === "block" && alwaysExits(s.body)) return true;
  }
  return false;
}

/** An anchored pattern without wildcards: a full-match allow-list of characters. */
function isStrictPattern(p: string): boolean {
  const anchoredStart = p.startsWith("^") || p.startsWith("\\A");
  const anchoredEnd = p.endsWith("$") || p.endsWith("\\Z") || p.endsWith("\\z");
  if (!anchoredStart || !anchoredEnd) return false;
  // no "." outside a character class, no \S / \D / \W (they admit separators)
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === "\\") {
      const nx = p[i + 1];
      if (!inClass && (nx === "S" || nx === "D" || nx === "W")) return false;
      i++;
      continue;
    }
    if (ch === "[") inClass = true;
    else if (ch === "]") inClass = false;
    else if (ch === "." && !inClass) return false;
  }
  return true;
}

function isRouteDecorator(d: Expr): boolean {
  const callee = d.k === "call" ? d.callee : d;
  return (
    callee.k === "attr" &&
    /^(route|get|post|put|delete|patch|head|options|api_route|websocket)$/.test(callee.name)
  );
}
