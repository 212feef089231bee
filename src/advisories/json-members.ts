/**
 * Walks the members of a top-level JSON object one at a time: each value is parsed on its own,
 * so a very large document (the Debian tracker's ~100 MB) never becomes one giant object graph.
 * The scan only tracks strings and nesting; JSON.parse validates each member's value.
 */
export function* topLevelMembers(buf: Buffer): Generator<[key: string, value: unknown]> {
  const n = buf.length;
  let i = skipWs(buf, 0);
  if (buf[i] !== 0x7b /* { */) throw new Error(`malformed JSON: expected an object at byte ${i}`);
  i = skipWs(buf, i + 1);
  if (buf[i] === 0x7d /* } */) return;
  while (true) {
    if (buf[i] !== 0x22 /* " */) throw new Error(`malformed JSON: expected a member name at byte ${i}`);
    const keyEnd = stringEnd(buf, i);
    const key = JSON.parse(buf.toString("utf8", i, keyEnd)) as string;
    i = skipWs(buf, keyEnd);
    if (buf[i] !== 0x3a /* : */)
      throw new Error(`malformed JSON: expected ":" after ${JSON.stringify(key)} at byte ${i}`);
    const start = skipWs(buf, i + 1);
    const end = valueEnd(buf, start);
    let value: unknown;
    try {
      value = JSON.parse(buf.toString("utf8", start, end));
    } catch (e) {
      throw new Error(`malformed JSON in member ${JSON.stringify(key)}: ${(e as Error).message}`);
    }
    yield [key, value];
    i = skipWs(buf, end);
    if (buf[i] === 0x2c /* , */) {
      i = skipWs(buf, i + 1);
      continue;
    }
    if (buf[i] === 0x7d) {
      if (skipWs(buf, i + 1) !== n)
        throw new Error(`malformed JSON: data after the top-level object at byte ${i + 1}`);
      return;
    }
    throw new Error(
      i >= n ? "malformed JSON: document is truncated" : `malformed JSON: unexpected byte at ${i}`,
    );
  }
}

function skipWs(buf: Buffer, i: number): number {
  while (i < buf.length) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Index just past the string starting at `i` (which is a quote). */
function stringEnd(buf: Buffer, i: number): number {
  for (let j = i + 1; j < buf.length; j++) {
    const c = buf[j];
    if (c === 0x5c /* \ */) j++;
    else if (c === 0x22) return j + 1;
  }
  throw new Error("malformed JSON: document is truncated inside a string");
}

/** Index just past the value starting at `i`. */
function valueEnd(buf: Buffer, i: number): number {
  const c = buf[i];
  if (c === 0x22) return stringEnd(buf, i);
  if (c === 0x7b || c === 0x5b /* [ */) {
    let depth = 0;
    for (let j = i; j < buf.length; j++) {
      const d = buf[j];
      if (d === 0x22) j = stringEnd(buf, j) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new Error("malformed JSON: document is truncated");
  }
  // A scalar runs to the next delimiter.
  let j = i;
  while (j < buf.length) {
    const d = buf[j];
    if (d === 0x2c || d === 0x7d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
    j++;
  }
  if (j === i) throw new Error(`malformed JSON: missing value at byte ${i}`);
  return j;
}
