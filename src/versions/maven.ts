import type { VersionScheme } from "./types.js";

/**
 * Maven's ComparableVersion (maven-artifact 3.8): a version is a tree of items — numbers,
 * qualifiers and sub-lists opened by "-" or by a digit/letter transition — normalised by
 * dropping trailing "null" items (0, "", empty lists) and compared item by item.
 */
type Item = { kind: "int"; value: bigint } | { kind: "string"; value: string } | { kind: "list"; items: Item[] };

const QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const ALIASES: Record<string, string> = { ga: "", final: "", release: "", cr: "rc" };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(""));

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function stringItem(value: string, followedByDigit: boolean): Item {
  let v = value;
  if (followedByDigit && v.length === 1) {
    if (v === "a") v = "alpha";
    else if (v === "b") v = "beta";
    else if (v === "m") v = "milestone";
  }
  return { kind: "string", value: ALIASES[v] ?? v };
}

function parseItem(isDigit: boolean, buf: string): Item {
  return isDigit ? { kind: "int", value: BigInt(buf) } : stringItem(buf, false);
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case "int":
      return item.value === 0n;
    case "string":
      return comparableQualifier(item.value) === RELEASE_INDEX;
    case "list":
      return item.items.length === 0;
  }
}

function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i]!;
    if (isNull(last)) list.splice(i, 1);
    else if (last.kind !== "list") break;
  }
}

function parseMaven(version: string): Item {
  const v = version.toLowerCase();
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  let isDigit = false;
  let start = 0;
  const push = () => {
    const next: Item[] = [];
    list.push({ kind: "list", items: next });
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === ".") {
      list.push(i === start ? { kind: "int", value: 0n } : parseItem(isDigit, v.slice(start, i)));
      start = i + 1;
    } else if (c === "-") {
      list.push(i === start ? { kind: "int", value: 0n } : parseItem(isDigit, v.slice(start, i)));
      start = i + 1;
      push();
    } else if (c >= "0" && c <= "9") {
      if (!isDigit && i > start) {
        list.push(stringItem(v.slice(start, i), true));
        start = i;
        push();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, v.slice(start, i)));
        start = i;
        push();
      }
      isDigit = false;
    }
  }
  if (v.length > start) list.push(parseItem(isDigit, v.slice(start)));
  while (stack.length > 0) normalize(stack.pop()!);
  return { kind: "list", items: root };
}

/** Item.compareTo(other); `undefined` stands for Java's null (a missing item). */
function compareItem(a: Item, b: Item | undefined): number {
  switch (a.kind) {
    case "int":
      if (b === undefined) return a.value === 0n ? 0 : 1;
      if (b.kind === "int") return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
      return 1;
    case "string": {
      const mine = comparableQualifier(a.value);
      if (b === undefined) return mine < RELEASE_INDEX ? -1 : mine > RELEASE_INDEX ? 1 : 0;
      if (b.kind === "int" || b.kind === "list") return -1;
      const theirs = comparableQualifier(b.value);
      return mine < theirs ? -1 : mine > theirs ? 1 : 0;
    }
    case "list": {
      if (b === undefined) return a.items.length === 0 ? 0 : compareItem(a.items[0]!, undefined);
      if (b.kind === "int") return -1;
      if (b.kind === "string") return 1;
      const n = Math.max(a.items.length, b.items.length);
      for (let i = 0; i < n; i++) {
        const l = a.items[i];
        const r = b.items[i];
        const result = l === undefined ? (r === undefined ? 0 : -1 * compareItem(r, undefined)) : compareItem(l, r);
        if (result !== 0) return result;
      }
      return 0;
    }
  }
}

export const maven: VersionScheme = {
  name: "maven",
  // ComparableVersion accepts any string.
  isValid: (v) => v.trim() !== "",
  compare: (a, b) => Math.sign(compareItem(parseMaven(a), parseMaven(b))),
};
