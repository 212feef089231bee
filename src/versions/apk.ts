import { InvalidVersionError, type VersionScheme } from "./types.js";

/**
 * Alpine's apk version order, following apk-tools' tokenizer: digits separated by dots (a
 * component with leading zeros compares as a fraction), one optional letter, `_suffix[N]`
 * (alpha/beta/pre/rc before the release; cvs/svn/git/hg/p after it), and `-rN` revisions.
 */
const T = {
  INVALID: -1,
  DIGIT_OR_ZERO: 0,
  DIGIT: 1,
  LETTER: 2,
  SUFFIX: 3,
  SUFFIX_NO: 4,
  REVISION_NO: 5,
  END: 6,
} as const;

const PRE_SUFFIXES = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES = ["cvs", "svn", "git", "hg", "p"];

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isLower = (c: string | undefined) => c !== undefined && c >= "a" && c <= "z";

class Cursor {
  type: number = T.DIGIT;
  constructor(
    readonly s: string,
    public pos = 0,
  ) {}
  get rest(): number {
    return this.s.length - this.pos;
  }
}

/** Reads the separator after a token and decides what the next token is. */
function nextToken(c: Cursor): void {
  let n: number = T.INVALID;
  const ch = c.s[c.pos];
  if (c.rest === 0) n = T.END;
  else if ((c.type === T.DIGIT || c.type === T.DIGIT_OR_ZERO) && isLower(ch)) n = T.LETTER;
  else if (c.type === T.LETTER && isDigit(ch)) n = T.DIGIT;
  else if (c.type === T.SUFFIX && isDigit(ch)) n = T.SUFFIX_NO;
  else {
    if (ch === ".") n = T.DIGIT_OR_ZERO;
    else if (ch === "_") n = T.SUFFIX;
    else if (ch === "-") {
      if (c.s[c.pos + 1] === "r") {
        n = T.REVISION_NO;
        c.pos++;
      }
    }
    c.pos++;
  }
  if (n < c.type) {
    const allowed =
      (n === T.DIGIT_OR_ZERO && c.type === T.DIGIT) ||
      (n === T.SUFFIX && c.type === T.SUFFIX_NO) ||
      (n === T.DIGIT && c.type === T.LETTER);
    if (!allowed) n = T.INVALID;
  }
  c.type = n;
}

/** Reads one token's value and advances; sets the cursor's type to the following token. */
function getToken(c: Cursor): bigint {
  if (c.rest <= 0) {
    c.type = T.END;
    return 0n;
  }
  let i = 0;
  let v = 0n;
  let next: number = T.INVALID;
  const s = c.s;
  const p = c.pos;
  if (c.type === T.DIGIT_OR_ZERO && s[p] === "0") {
    // Leading zeros: "1.01" < "1.1"; the more zeros, the smaller.
    while (p + i < s.length && s[p + i] === "0") i++;
    next = T.DIGIT;
    v = BigInt(-i);
  } else
    switch (c.type) {
      case T.DIGIT_OR_ZERO:
      case T.DIGIT:
      case T.SUFFIX_NO:
      case T.REVISION_NO:
        while (p + i < s.length && isDigit(s[p + i])) i++;
        v = i > 0 ? BigInt(s.slice(p, p + i)) : 0n;
        break;
      case T.LETTER:
        v = BigInt(s.charCodeAt(p));
        i = 1;
        break;
      case T.SUFFIX: {
        const rest = s.slice(p);
        const pre = PRE_SUFFIXES.findIndex((x) => rest.startsWith(x));
        if (pre !== -1) {
          i = PRE_SUFFIXES[pre]!.length;
          v = BigInt(pre - PRE_SUFFIXES.length);
          break;
        }
        const post = POST_SUFFIXES.findIndex((x) => rest.startsWith(x));
        if (post !== -1) {
          i = POST_SUFFIXES[post]!.length;
          v = BigInt(post);
          break;
        }
        c.type = T.INVALID;
        return -1n;
      }
      default:
        c.type = T.INVALID;
        return -1n;
    }
  c.pos += i;
  if (c.rest === 0) c.type = T.END;
  else if (next !== T.INVALID) c.type = next;
  else nextToken(c);
  return v;
}

function compareApk(a: string, b: string): number {
  const ca = new Cursor(a);
  const cb = new Cursor(b);
  let av = 0n;
  let bv = 0n;
  while (ca.type === cb.type && ca.type !== T.END && ca.type !== T.INVALID && av === bv) {
    av = getToken(ca);
    bv = getToken(cb);
  }
  if (av < bv) return -1;
  if (av > bv) return 1;
  if (ca.type === cb.type) return 0;
  // Equal so far: the longer version is newer unless what follows is a pre-release suffix.
  if (ca.type === T.SUFFIX && suffixValue(a, ca.pos) < 0n) return -1;
  if (cb.type === T.SUFFIX && suffixValue(b, cb.pos) < 0n) return 1;
  if (ca.type > cb.type) return -1;
  if (cb.type > ca.type) return 1;
  return 0;
}

function suffixValue(s: string, pos: number): bigint {
  const c = new Cursor(s, pos);
  c.type = T.SUFFIX;
  return getToken(c);
}

function validate(v: string): boolean {
  if (v === "" || !isDigit(v[0])) return false;
  const c = new Cursor(v);
  while (c.type !== T.END) {
    getToken(c);
    if (c.type === T.INVALID) return false;
  }
  return true;
}

export const apk: VersionScheme = {
  name: "apk",
  isValid: validate,
  compare(a: string, b: string): number {
    if (!validate(a)) throw new InvalidVersionError("apk", a);
    if (!validate(b)) throw new InvalidVersionError("apk", b);
    return compareApk(a, b);
  },
};
