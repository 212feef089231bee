/**
 * Abstract values of the taint engine. A value records what the analysis knows about a runtime
 * value: whether it carries untrusted input (and for which sink kinds it is still dangerous),
 * its constant text when known, the module member it refers to, and a few facts the pattern
 * detectors use (named like a password, produced by a non-cryptographic random generator, …).
 */
import type { FuncDef, Loc } from "./ir.js";

/** Sink kinds, as bits: a sanitiser clears the bits it makes safe. */
export const SQL = 1;
export const CMD = 2;
export const PATH = 4;
export const SSRF = 8;
export const CODE = 16;
export const DESER = 32;
export const ALL_KINDS = SQL | CMD | PATH | SSRF | CODE | DESER;

export interface Taint {
  /** Sink kinds the value is still dangerous for. */
  kinds: number;
  /** Where the untrusted data came from ("event", "req.query"). */
  origin: string;
  line: number;
}

/** A function and the scope it closes over. */
export interface Closure {
  fn: FuncDef;
  scope: Scope;
  /** For a method read off `self` / `this`: the instance it is bound to. */
  self?: Value;
}

export interface Value {
  taint?: Taint;
  /** Fully known constant string. */
  str?: string;
  /** Known constant beginning of a string built from parts. */
  prefix?: string;
  num?: number;
  bool?: boolean;
  none?: boolean;
  /** Symbolic path of a module member or a call on one ("os.path.join", "requests.Session()"). */
  ref?: string;
  /** An HTTP request object: its input-carrying members are tainted. */
  request?: boolean;
  fn?: Closure;
  /** Known members of an object or dict literal. */
  props?: Map<string, Value>;
  /** Known elements of a list, tuple or array literal. */
  items?: Value[];
  /** `self` / `this` of a method of this class (an instance). */
  selfOf?: string;
  /** A class defined in the module: calling it makes an instance. */
  cls?: string;
  /** Derived from something named like a password. */
  pw?: boolean;
  /** Derived from a non-cryptographic random number generator call at this location. */
  rand?: Loc;
  /** A path normalised by realpath / abspath / normpath / path.resolve / path.join. */
  normalized?: boolean;
  /** Constant text of the value reads like SQL. */
  sqlish?: boolean;
  /** A hash object of a weak algorithm (md5, sha1). */
  weakHash?: string;
  /** A regular expression pattern (for allow-list guards). */
  regex?: string;
}

export const CLEAN: Value = Object.freeze({}) as Value;

export function joinTaint(a: Taint | undefined, b: Taint | undefined): Taint | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  if ((a.kinds | b.kinds) === a.kinds) return a;
  return { ...a, kinds: a.kinds | b.kinds };
}

/** How deep joins and sanitisers follow object members (objects can refer to themselves). */
const MAX_VALUE_DEPTH = 4;

/** The value of a variable after a branch: either side's. */
export function join(a: Value | undefined, b: Value | undefined, depth = 0): Value {
  if (!a) return b ?? CLEAN;
  if (!b || a === b) return a;
  const out: Value = {};
  const taint = joinTaint(a.taint, b.taint);
  if (taint) out.taint = taint;
  if (a.str !== undefined && a.str === b.str) out.str = a.str;
  if (a.prefix !== undefined && a.prefix === b.prefix) out.prefix = a.prefix;
  if (a.ref !== undefined && a.ref === b.ref) out.ref = a.ref;
  if (a.request || b.request) out.request = true;
  const fn = a.fn ?? b.fn;
  if (fn) out.fn = fn;
  if (a.props && b.props && depth < MAX_VALUE_DEPTH) {
    const props = new Map(a.props);
    for (const [k, v] of b.props) props.set(k, join(props.get(k), v, depth + 1));
    out.props = props;
  } else if (a.props || b.props) out.props = (a.props ?? b.props)!;
  if (a.selfOf && a.selfOf === b.selfOf) out.selfOf = a.selfOf;
  if (a.pw || b.pw) out.pw = true;
  const rand = a.rand ?? b.rand;
  if (rand) out.rand = rand;
  if (a.normalized && b.normalized) out.normalized = true;
  if (a.sqlish || b.sqlish) out.sqlish = true;
  const wh = a.weakHash ?? b.weakHash;
  if (wh) out.weakHash = wh;
  return out;
}

/** A value computed from others (an operation, an unknown call): their taint and flags. */
export function derive(...vals: (Value | undefined)[]): Value {
  let taint: Taint | undefined;
  let pw = false;
  let rand: Loc | undefined;
  let sqlish = false;
  for (const v of vals) {
    if (!v) continue;
    taint = joinTaint(taint, v.taint);
    if (v.pw) pw = true;
    rand ??= v.rand;
    if (v.sqlish) sqlish = true;
    if (v.items) {
      for (const i of v.items) {
        taint = joinTaint(taint, i.taint);
        if (i.pw) pw = true;
        rand ??= i.rand;
      }
    }
    if (v.props) {
      for (const i of v.props.values()) {
        taint = joinTaint(taint, i.taint);
        rand ??= i.rand;
      }
    }
  }
  const out: Value = {};
  if (taint) out.taint = taint;
  if (pw) out.pw = true;
  if (rand) out.rand = rand;
  if (sqlish) out.sqlish = true;
  return out;
}

/** The value with some sink kinds made safe (all of them: an entirely clean value). */
export function sanitize(v: Value, kinds: number, depth = 0): Value {
  if (!v.taint || (v.taint.kinds & kinds) === 0) return v;
  const rest = v.taint.kinds & ~kinds;
  const out: Value = { ...v };
  if (rest === 0) delete out.taint;
  else out.taint = { ...v.taint, kinds: rest };
  if (depth < MAX_VALUE_DEPTH) {
    if (out.items) out.items = out.items.map((i) => sanitize(i, kinds, depth + 1));
    if (out.props) out.props = new Map([...out.props].map(([k, i]) => [k, sanitize(i, kinds, depth + 1)]));
  }
  return out;
}

export const isTainted = (v: Value | undefined, kind: number): boolean =>
  v !== undefined && v.taint !== undefined && (v.taint.kinds & kind) !== 0;

/** Variables of one function or module; branches fork and join them. */
let scopes = 0;

export class Scope {
  vars: Map<string, Value>;
  /** Identity of the scope (forks share it): closures over different scopes are analysed apart. */
  readonly id: number;
  constructor(
    readonly parent?: Scope,
    vars?: Map<string, Value>,
    id?: number,
  ) {
    this.vars = vars ?? new Map();
    this.id = id ?? ++scopes;
  }

  lookup(name: string): Value | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Assigns where the name lives (a closure's outer variable) or here. */
  assign(name: string, v: Value, local: boolean): void {
    if (!local) {
      for (let s: Scope | undefined = this.parent; s; s = s.parent) {
        if (s.vars.has(name)) {
          s.vars.set(name, v);
          return;
        }
      }
    }
    this.vars.set(name, v);
  }

  fork(): Scope {
    return new Scope(this.parent, new Map(this.vars), this.id);
  }

  /** Takes over the variables of a forked copy. */
  adopt(other: Scope): void {
    this.vars = other.vars;
  }

  /** The variables after either of two branches ran. */
  static joined(a: Scope, b: Scope): Scope {
    const vars = new Map(a.vars);
    for (const [k, v] of b.vars) vars.set(k, vars.has(k) ? join(vars.get(k), v) : v);
    return new Scope(a.parent, vars, a.id);
  }
}
