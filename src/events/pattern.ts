/**
 * EventBridge event patterns: validation, compilation and matching.
 *
 * Follows the semantics of the EventBridge user guide ("Amazon EventBridge event patterns",
 * "Content filtering") and of aws/event-ruler's `rulesForJSONEvent()`:
 *
 * - a pattern is a JSON object; its keys are ANDed, a key's value is either a nested pattern object
 *   (matching the nested field) or an array of alternatives (ORed);
 * - an alternative is a JSON scalar (exact, type-sensitive match; numbers compare numerically) or
 *   a one-key operator object: prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric,
 *   exists, cidr;
 * - `"$or": [pattern, pattern, ...]` ORs whole sub-patterns evaluated at the same level;
 * - when the event holds an array where the pattern expects a value, the pattern matches if any
 *   element matches (arrays of arrays are flattened). Array-consistent: the fields of one nested
 *   pattern must all match inside the same element of an array of objects;
 * - only leaves (strings, numbers, booleans, null) are values: an object where the pattern expects
 *   a value matches nothing, and `{"exists": false}` matches it (exists works on leaf nodes only);
 * - an empty array of alternatives never matches.
 *
 * Compilation validates everything up front and throws a PatternError naming the field path.
 */
import { type Cidr, parseAddress, tryParseCidr } from "../network/cidr.js";

export class PatternError extends Error {
  override name = "PatternError";
}

/** A predicate over one leaf value (string, number, boolean or null). */
type LeafTest = (value: unknown) => boolean;
/** A predicate over one non-array event node (an object, a leaf, or undefined when absent). */
type NodeTest = (node: unknown) => boolean;

const OR_KEY = "$or";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isLeaf(v: unknown): boolean {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

function fail(path: string, problem: string): never {
  throw new PatternError(`${path === "" ? "(root)" : path}: ${problem}`);
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function field(node: unknown, key: string): unknown {
  return isPlainObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
}

/** Leaf values at a node: arrays are flattened, objects (intermediate nodes) are not values. */
function leaves(v: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(v)) {
    for (const e of v) leaves(e, out);
  } else if (isLeaf(v)) {
    out.push(v);
  }
  return out;
}

/** The elements an object pattern is tried against: array elements (flattened), else the node itself. */
function elements(v: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(v)) {
    for (const e of v) elements(e, out);
  } else {
    out.push(v);
  }
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// ---------------------------------------------------------------------------------------------
// String operators

function lower(s: string): string {
  return s.toLowerCase();
}

/** A string operand, or `{"equals-ignore-case": string}` when `ignoreCaseForm` is allowed. */
function stringOperand(op: string, value: unknown, path: string): { text: string; ignoreCase: boolean } {
  if (typeof value === "string") return { text: value, ignoreCase: false };
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "equals-ignore-case") {
      const inner = value["equals-ignore-case"];
      if (typeof inner !== "string") fail(path, `${op} equals-ignore-case needs a string`);
      return { text: inner, ignoreCase: true };
    }
  }
  fail(path, `${op} needs a string or {"equals-ignore-case": string}`);
}

function prefixTest(text: string, ignoreCase: boolean): LeafTest {
  if (!ignoreCase) return (v) => typeof v === "string" && v.startsWith(text);
  const want = lower(text);
  return (v) => typeof v === "string" && lower(v).startsWith(want);
}

function suffixTest(text: string, ignoreCase: boolean): LeafTest {
  if (!ignoreCase) return (v) => typeof v === "string" && v.endsWith(text);
  const want = lower(text);
  return (v) => typeof v === "string" && lower(v).endsWith(want);
}

function equalsIgnoreCaseTest(texts: readonly string[]): LeafTest {
  const wanted = new Set(texts.map(lower));
  return (v) => typeof v === "string" && wanted.has(lower(v));
}

/**
 * Splits a wildcard pattern into the literal runs between its `*`s. `\*` is a literal asterisk and
 * `\\` a literal backslash; any other escape, a trailing backslash, or `**` is an error.
 */
function wildcardParts(pattern: string, path: string): string[] {
  const parts: string[] = [];
  let current = "";
  let lastWasStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\") fail(path, "wildcard allows a backslash only before * or \\");
      current += next;
      i++;
      lastWasStar = false;
    } else if (c === "*") {
      if (lastWasStar) fail(path, "wildcard must not contain consecutive * characters");
      parts.push(current);
      current = "";
      lastWasStar = true;
    } else {
      current += c;
      lastWasStar = false;
    }
  }
  parts.push(current);
  return parts;
}

/** Glob matching without regular expressions: anchored first and last runs, leftmost middle runs. */
function wildcardTest(pattern: string, path: string): LeafTest {
  const parts = wildcardParts(pattern, path);
  if (parts.length === 1) {
    const literal = parts[0]!;
    return (v) => v === literal;
  }
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((p) => p !== "");
  return (v) => {
    if (typeof v !== "string") return false;
    if (v.length < first.length + last.length) return false;
    if (!v.startsWith(first) || !v.endsWith(last)) return false;
    const end = v.length - last.length;
    let pos = first.length;
    for (const p of middle) {
      const at = v.indexOf(p, pos);
      if (at < 0 || at + p.length > end) return false;
      pos = at + p.length;
    }
    return true;
  };
}

// ---------------------------------------------------------------------------------------------
// anything-but

function anythingButTest(operand: unknown, path: string): LeafTest {
  let excluded: LeafTest;
  if (typeof operand === "string" || typeof operand === "number") {
    excluded = (v) => v === operand;
  } else if (Array.isArray(operand)) {
    if (operand.length === 0) fail(path, "anything-but list must not be empty");
    if (operand.every((x) => typeof x === "string") || operand.every((x) => typeof x === "number")) {
      const set = new Set<unknown>(operand);
      excluded = (v) => set.has(v);
    } else {
      fail(path, "anything-but list must hold only strings or only numbers");
    }
  } else if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1) fail(path, "anything-but object needs exactly one operator");
    const op = keys[0]!;
    const value = operand[op];
    switch (op) {
      case "prefix":
        if (typeof value !== "string") fail(path, "anything-but prefix needs a string");
        excluded = prefixTest(value, false);
        break;
      case "suffix":
        if (typeof value !== "string") fail(path, "anything-but suffix needs a string");
        excluded = suffixTest(value, false);
        break;
      case "wildcard":
        if (typeof value !== "string") fail(path, "anything-but wildcard needs a string");
        excluded = wildcardTest(value, path);
        break;
      case "equals-ignore-case": {
        const list = typeof value === "string" ? [value] : value;
        if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === "string")) {
          fail(path, "anything-but equals-ignore-case needs a string or a non-empty list of strings");
        }
        excluded = equalsIgnoreCaseTest(list as string[]);
        break;
      }
      default:
        fail(path, `anything-but does not support operator ${JSON.stringify(op)}`);
    }
  } else {
    fail(
      path,
      "anything-but needs a string, a number, a list of them, or a prefix/suffix/wildcard/equals-ignore-case object",
    );
  }
  // Like EventBridge, anything-but matches any present leaf that is not excluded, whatever its type.
  return (v) => !excluded(v);
}

// ---------------------------------------------------------------------------------------------
// numeric

const NUMERIC_OPS = new Set(["=", "<", "<=", ">", ">="]);

function numericTest(operand: unknown, path: string): LeafTest {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    fail(path, "numeric needs pairs of operator and number");
  }
  const pairs: [string, number][] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const n = operand[i + 1];
    if (typeof op !== "string" || typeof n !== "number")
      fail(path, "numeric needs pairs of operator and number");
    if (!NUMERIC_OPS.has(op)) fail(path, `numeric does not support operator ${JSON.stringify(op)}`);
    if (!Number.isFinite(n)) fail(path, "numeric needs finite numbers");
    pairs.push([op, n]);
  }
  if (pairs.length === 2) {
    const [a, b] = pairs as [[string, number], [string, number]];
    if (a[0] === "=" || b[0] === "=") fail(path, "numeric = cannot be combined with another comparison");
    const isLower = (op: string) => op === ">" || op === ">=";
    if (isLower(a[0]) === isLower(b[0])) {
      fail(path, "numeric range needs one lower bound (> or >=) and one upper bound (< or <=)");
    }
    const lo = isLower(a[0]) ? a : b;
    const hi = isLower(a[0]) ? b : a;
    if (lo[1] >= hi[1]) fail(path, "numeric range lower bound must be below its upper bound");
  }
  const checks = pairs.map(([op, n]): ((x: number) => boolean) => {
    switch (op) {
      case "=":
        return (x) => x === n;
      case "<":
        return (x) => x < n;
      case "<=":
        return (x) => x <= n;
      case ">":
        return (x) => x > n;
      default:
        return (x) => x >= n;
    }
  });
  return (v) => typeof v === "number" && Number.isFinite(v) && checks.every((c) => c(v));
}

// ---------------------------------------------------------------------------------------------
// cidr

function cidrTest(operand: unknown, path: string): LeafTest {
  if (typeof operand !== "string") fail(path, "cidr needs a string");
  const block: Cidr | null = operand.includes("/") ? tryParseCidr(operand) : null;
  if (!block) fail(path, `cidr needs an IPv4 or IPv6 block such as "10.0.0.0/24", got ${describe(operand)}`);
  return (v) => {
    if (typeof v !== "string") return false;
    const a = parseAddress(v);
    return a !== null && a.family === block.family && block.start <= a.value && a.value <= block.end;
  };
}

// ---------------------------------------------------------------------------------------------
// Leaf alternatives and object patterns

interface LeafMatcher {
  /** Tests applied to each leaf value present at the field; any one passing matches. */
  tests: LeafTest[];
  /** An `{"exists": false}` alternative: matches when the field holds no leaf. */
  matchesAbsent: boolean;
}

const NEVER: LeafTest = () => false;
const ANY_LEAF: LeafTest = () => true;

function compileAlternative(alt: unknown, path: string, m: LeafMatcher): void {
  if (alt === null || typeof alt === "string" || typeof alt === "boolean") {
    m.tests.push((v) => v === alt);
    return;
  }
  if (typeof alt === "number") {
    if (!Number.isFinite(alt)) fail(path, "numbers in a pattern must be finite");
    m.tests.push((v) => v === alt);
    return;
  }
  if (Array.isArray(alt)) fail(path, "a pattern value must not contain nested arrays");
  if (!isPlainObject(alt)) fail(path, `unsupported pattern value ${describe(alt)}`);
  const keys = Object.keys(alt);
  if (keys.length !== 1) {
    fail(
      path,
      `an operator object needs exactly one operator, got ${keys.length === 0 ? "none" : keys.join(", ")}`,
    );
  }
  const op = keys[0]!;
  const operand = alt[op];
  switch (op) {
    case "prefix": {
      const { text, ignoreCase } = stringOperand("prefix", operand, path);
      m.tests.push(prefixTest(text, ignoreCase));
      return;
    }
    case "suffix": {
      const { text, ignoreCase } = stringOperand("suffix", operand, path);
      m.tests.push(suffixTest(text, ignoreCase));
      return;
    }
    case "equals-ignore-case":
      if (typeof operand !== "string") fail(path, "equals-ignore-case needs a string");
      m.tests.push(equalsIgnoreCaseTest([operand]));
      return;
    case "wildcard":
      if (typeof operand !== "string") fail(path, "wildcard needs a string");
      m.tests.push(wildcardTest(operand, path));
      return;
    case "anything-but":
      m.tests.push(anythingButTest(operand, path));
      return;
    case "numeric":
      m.tests.push(numericTest(operand, path));
      return;
    case "cidr":
      m.tests.push(cidrTest(operand, path));
      return;
    case "exists":
      if (typeof operand !== "boolean") fail(path, "exists needs true or false");
      if (operand) m.tests.push(ANY_LEAF);
      else m.matchesAbsent = true;
      return;
    default:
      fail(path, `unknown operator ${JSON.stringify(op)}`);
  }
}

/** Compiles an array of alternatives into a test over the raw event value at the field. */
function compileLeafField(alternatives: unknown[], path: string): (value: unknown) => boolean {
  const m: LeafMatcher = { tests: [], matchesAbsent: false };
  for (const alt of alternatives) compileAlternative(alt, path, m);
  if (alternatives.length === 0) return NEVER;
  const { tests, matchesAbsent } = m;
  const test: LeafTest = tests.length === 1 ? tests[0]! : (v) => tests.some((t) => t(v));
  return (value) => {
    const ls = leaves(value);
    if (ls.length === 0) return matchesAbsent;
    return tests.length > 0 && ls.some(test);
  };
}

/** Applies an object-pattern test to an event value: any array element, or the value itself. */
function overElements(test: NodeTest): (value: unknown) => boolean {
  return (value) => {
    if (!Array.isArray(value)) return test(value);
    const els = elements(value);
    // An empty array holds no fields: the nested pattern sees every field as absent.
    return els.length === 0 ? test(undefined) : els.some(test);
  };
}

/** Compiles a pattern object into a test over one non-array event node. */
function compileObject(pattern: Record<string, unknown>, path: string): NodeTest {
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail(path, "a pattern object must not be empty");
  const tests: NodeTest[] = [];
  for (const key of keys) {
    const value = pattern[key];
    const keyPath = join(path, key);
    if (key === OR_KEY) {
      if (!Array.isArray(value) || value.length < 2) {
        fail(keyPath, "$or needs an array of at least two patterns");
      }
      const branches = value.map((branch, i): NodeTest => {
        const branchPath = `${keyPath}[${i}]`;
        if (!isPlainObject(branch)) fail(branchPath, "each $or branch must be a pattern object");
        return compileObject(branch, branchPath);
      });
      tests.push((node) => branches.some((b) => b(node)));
    } else if (Array.isArray(value)) {
      const leaf = compileLeafField(value, keyPath);
      tests.push((node) => leaf(field(node, key)));
    } else if (isPlainObject(value)) {
      const nested = overElements(compileObject(value, keyPath));
      tests.push((node) => nested(field(node, key)));
    } else {
      fail(keyPath, "a pattern value must be an array");
    }
  }
  return tests.length === 1 ? tests[0]! : (node) => tests.every((t) => t(node));
}

/**
 * Validates an EventBridge event pattern (a parsed JSON object) and compiles it into a predicate
 * over events. Throws PatternError naming the offending field path and the problem.
 */
export function compilePattern(pattern: unknown): (event: unknown) => boolean {
  if (!isPlainObject(pattern)) fail("", "a pattern must be a JSON object");
  const test = compileObject(pattern, "");
  return (event) => test(event);
}

export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern)(event);
}
