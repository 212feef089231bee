import { InvalidVersionError, type ParsedVersions, type VersionScheme } from "./types.js";

/**
 * Maven's ComparableVersion as shipped in maven-artifact 3.8.x (the Debian libmaven3-core-java
 * jar). A version string becomes a tree of items:
 *
 * - numbers: Int (≤ 9 significant digits), Long (≤ 18) and BigInteger (more). The kind is part of
 *   the ordering — Int < Long < BigInteger whatever the values — so "0000000000" (a Long zero) is
 *   not the same item as "0".
 * - qualifiers (strings): alpha < beta < milestone < rc = cr < snapshot < "" = ga = final =
 *   release < sp < any other word (other words compare as text); "a1", "b1", "m1" are shorthands.
 * - sub-lists, opened by "-" and by every digit/letter transition.
 *
 * Trailing "null" items (zero, release qualifiers, empty lists) are trimmed from every list, and
 * lists are compared item by item with a missing item standing for "null".
 */

type NumberKind = 0 | 1 | 2; // Int, Long, BigInteger: only the same kind compares by value.

type Item =
  | { kind: "number"; size: NumberKind; digits: string }
  | { kind: "string"; value: string }
  | { kind: "list"; items: Item[] };

/**
 * Longer versions are refused: comparison recurses once per sub-list, and real Maven versions
 * are a few dozen characters, so a bound keeps hostile input from exhausting the stack.
 */
const MAX_LENGTH = 1024;

const QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const ALIASES = new Map([
  ["ga", ""],
  ["final", ""],
  ["release", ""],
  ["cr", "rc"],
]);
const RELEASE_INDEX = String(QUALIFIERS.indexOf(""));

/** Known qualifiers sort by their position, unknown ones after all of them, as text. */
function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

/** Java's String.compareTo reduced to its sign (both compare UTF-16 code units). */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function stringItem(value: string, followedByDigit: boolean): Item {
  let v = value;
  if (followedByDigit && v.length === 1) {
    if (v === "a") v = "alpha";
    else if (v === "b") v = "beta";
    else if (v === "m") v = "milestone";
  }
  return { kind: "string", value: ALIASES.get(v) ?? v };
}

// Java's Character.isDigit(char) is Unicode category Nd, tested per UTF-16 unit (a lone
// surrogate is no digit). Every Nd run in the BMP is exactly ten code points, 0 to 9, so a
// digit's value is its distance from the start of its run.
const DECIMAL_DIGIT = /^\p{Nd}$/u;

function isDigitUnit(c: string): boolean {
  return (c >= "0" && c <= "9") || (c > "\x7f" && DECIMAL_DIGIT.test(c));
}

function digitValue(c: string): number {
  if (c >= "0" && c <= "9") return c.charCodeAt(0) - 48;
  const code = c.charCodeAt(0);
  let value = 0;
  while (value < 9 && DECIMAL_DIGIT.test(String.fromCharCode(code - value - 1))) value++;
  return value;
}

/**
 * ComparableVersion.parseItem for a run of digits. The kind comes from the length after
 * stripping ASCII '0's (an all-zero run keeps its length); the value, as Integer.parseInt and
 * friends read it, also accepts non-ASCII decimal digits.
 */
function numberItem(run: string): Item {
  let first = 0;
  while (first < run.length && run[first] === "0") first++;
  const stripped = first === run.length ? run : run.slice(first);
  const size: NumberKind = stripped.length <= 9 ? 0 : stripped.length <= 18 ? 1 : 2;
  let digits = "";
  for (const c of stripped) digits += String(digitValue(c));
  digits = digits.replace(/^0+/, "");
  return { kind: "number", size, digits };
}

const ZERO: Item = { kind: "number", size: 0, digits: "" };

function parseItem(isDigit: boolean, buf: string): Item {
  return isDigit ? numberItem(buf) : stringItem(buf, false);
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case "number":
      return item.digits === "";
    case "string":
      return comparableQualifier(item.value) === RELEASE_INDEX;
    case "list":
      return item.items.length === 0;
  }
}

/** ListItem.normalize: trailing nulls go; the scan walks on past non-null sub-lists. */
function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i]!;
    if (isNull(item)) list.splice(i, 1);
    else if (item.kind !== "list") break;
  }
}

/** ComparableVersion.parseVersion, step for step (3.8.x, before "combination" items existed). */
function parse(version: string): Item[] {
  if (version === "") throw new InvalidVersionError("maven", version, "empty");
  if (version.length > MAX_LENGTH)
    throw new InvalidVersionError("maven", version, `longer than ${MAX_LENGTH}`);
  const v = version.toLowerCase();
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  const openList = () => {
    const next: Item[] = [];
    list.push({ kind: "list", items: next });
    list = next;
    stack.push(next);
  };
  let isDigit = false; // not reset by separators, exactly as in Maven
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === "." || c === "-") {
      list.push(i === start ? ZERO : parseItem(isDigit, v.slice(start, i)));
      start = i + 1;
      if (c === "-") openList();
    } else if (isDigitUnit(c)) {
      if (!isDigit && i > start) {
        if (list.length > 0) openList();
        list.push(stringItem(v.slice(start, i), true));
        start = i;
        openList();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, v.slice(start, i)));
        start = i;
        openList();
      }
      isDigit = false;
    }
  }
  if (v.length > start) {
    if (!isDigit && list.length > 0) openList();
    list.push(parseItem(isDigit, v.slice(start)));
  }
  // Innermost lists first, so an emptied sub-list is itself trimmed from its parent.
  for (let i = stack.length - 1; i >= 0; i--) normalize(stack[i]!);
  return root;
}

function compareNumbers(a: Item & { kind: "number" }, b: Item & { kind: "number" }): number {
  if (a.size !== b.size) return a.size < b.size ? -1 : 1;
  if (a.digits.length !== b.digits.length) return a.digits.length < b.digits.length ? -1 : 1;
  return compareText(a.digits, b.digits);
}

/** Item.compareTo(other), with `undefined` standing for Java's null (a missing item). */
function compareItem(a: Item, b: Item | undefined): number {
  switch (a.kind) {
    case "number":
      if (b === undefined) return a.digits === "" ? 0 : 1;
      return b.kind === "number" ? compareNumbers(a, b) : 1;
    case "string": {
      const mine = comparableQualifier(a.value);
      if (b === undefined) return compareText(mine, RELEASE_INDEX);
      return b.kind === "string" ? compareText(mine, comparableQualifier(b.value)) : -1;
    }
    case "list":
      if (b === undefined) {
        // The first item that differs from null decides.
        for (const item of a.items) {
          const c = compareItem(item, undefined);
          if (c !== 0) return c;
        }
        return 0;
      }
      if (b.kind === "number") return -1;
      if (b.kind === "string") return 1;
      return compareLists(a.items, b.items);
  }
}

function compareLists(left: Item[], right: Item[]): number {
  const n = Math.max(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const l = left[i];
    const r = right[i];
    const c = l === undefined ? (r === undefined ? 0 : -compareItem(r, undefined)) : compareItem(l, r);
    if (c !== 0) return c;
  }
  return 0;
}

/** The parsed item tree, for tests and debugging: like ListItem.toListString, Longs end in L, BigIntegers in N. */
export function mavenItems(version: string): string {
  const show = (items: Item[]): string =>
    `[${items
      .map((it) =>
        it.kind === "list"
          ? show(it.items)
          : it.kind === "number"
            ? `${it.digits || "0"}${["", "L", "N"][it.size]}`
            : JSON.stringify(it.value),
      )
      .join(", ")}]`;
  return show(parse(version));
}

const parsed: ParsedVersions<Item[]> = { parse, compare: compareLists };

export const maven: VersionScheme = {
  name: "maven",
  compare: (a, b) => compareLists(parse(a), parse(b)),
  parsed,
  // ComparableVersion reads any string; we only refuse the empty and the absurdly long.
  isValid: (v) => v.length > 0 && v.length <= MAX_LENGTH,
};
