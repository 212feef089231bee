import { InvalidVersionError, type VersionScheme } from "./types.js";

const isDigit = (c: string) => c >= "0" && c <= "9";
const isAlpha = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const isAlnum = (c: string) => isDigit(c) || isAlpha(c);

function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length > y.length ? 1 : -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** rpm's rpmvercmp (rpm 4.18): alphanumeric segments, '~' sorts low, '^' sorts high but below more segments. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]!) && a[i] !== "~" && a[i] !== "^") i++;
    while (j < b.length && !isAlnum(b[j]!) && b[j] !== "~" && b[j] !== "^") j++;
    // Tilde: a version with it is older than one without at the same position.
    if (a[i] === "~" || b[j] === "~") {
      if (a[i] !== "~") return 1;
      if (b[j] !== "~") return -1;
      i++;
      j++;
      continue;
    }
    // Caret: newer than the end of the other string, older than any other segment.
    if (a[i] === "^" || b[j] === "^") {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== "^") return 1;
      if (b[j] !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;
    const numeric = isDigit(a[i]!);
    const pick = numeric ? isDigit : isAlpha;
    const si = i;
    while (i < a.length && pick(a[i]!)) i++;
    const sj = j;
    while (j < b.length && pick(b[j]!)) j++;
    const segA = a.slice(si, i);
    const segB = b.slice(sj, j);
    // A numeric segment is newer than an alphabetic one.
    if (segB === "") return numeric ? 1 : -1;
    const c = numeric ? compareDigits(segA, segB) : segA < segB ? -1 : segA > segB ? 1 : 0;
    if (c !== 0) return c;
  }
  const restA = i < a.length;
  const restB = j < b.length;
  if (!restA && !restB) return 0;
  return restA ? 1 : -1;
}

export interface Evr {
  epoch: string;
  version: string;
  release: string;
}

/** Parses "[epoch:]version[-release]"; a missing epoch is 0. */
export function parseEvr(s: string): Evr {
  const v = s.trim();
  if (v === "") throw new InvalidVersionError("rpm", s, "empty");
  let epoch = "0";
  let rest = v;
  const colon = v.indexOf(":");
  if (colon !== -1) {
    epoch = v.slice(0, colon) || "0";
    if (!/^\d+$/.test(epoch)) throw new InvalidVersionError("rpm", s, "epoch is not a number");
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  return dash === -1
    ? { epoch, version: rest, release: "" }
    : { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

/**
 * EVR comparison as rpm's labelCompare: epoch (missing = 0), version, then release, where a
 * missing release sorts below any release.
 */
export function compareEvr(a: Evr, b: Evr): number {
  const e = compareDigits(a.epoch, b.epoch);
  if (e !== 0) return e;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  if (a.release === "" || b.release === "") return a.release === b.release ? 0 : a.release === "" ? -1 : 1;
  return rpmvercmp(a.release, b.release);
}

export const rpm: VersionScheme = {
  name: "rpm",
  isValid(v: string): boolean {
    try {
      parseEvr(v);
      return true;
    } catch {
      return false;
    }
  },
  compare: (a, b) => Math.sign(compareEvr(parseEvr(a), parseEvr(b))),
};
