import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  formatAddress,
  isPublicAddress,
  type PortSet,
  parseAddress,
  parseCidr,
  portIntersect,
  portSet,
  portSubtract,
  portUnion,
  publicAtoms,
  tryParseCidr,
} from "../../src/network/cidr.js";

describe("addresses and CIDR blocks", () => {
  it("parses and formats IPv4 and IPv6", () => {
    assert.deepEqual(parseAddress("10.0.1.10"), { family: 4, value: 0x0a00010an });
    assert.equal(parseAddress("10.0.1.256"), null);
    assert.equal(parseAddress("10.0.1"), null);
    assert.equal(parseAddress("01.0.0.1"), null);
    const cases: [string, string][] = [
      ["2600:1f18:04a3:6b01:0:0:0:10", "2600:1f18:4a3:6b01::10"],
      ["::", "::"],
      ["::1", "::1"],
      ["2001:db8::", "2001:db8::"],
      ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
      ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"],
      ["::ffff:192.0.2.1", "::ffff:c000:201"],
      ["64:ff9b::198.51.100.7", "64:ff9b::c633:6407"],
    ];
    for (const [input, canonical] of cases) {
      const a = parseAddress(input);
      assert.ok(a, input);
      assert.equal(formatAddress(a.family, a.value), canonical);
    }
    for (const bad of ["1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "::g", "1:2:3:4:5:6:7::8", ":1"])
      assert.equal(parseAddress(bad), null, bad);
  });

  it("round-trips random IPv6 values through text", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (v) => {
        const text = formatAddress(6, v);
        assert.deepEqual(parseAddress(text), { family: 6, value: v });
      }),
    );
  });

  it("parses CIDR blocks, masking host bits", () => {
    const c = parseCidr("10.1.2.3/16");
    assert.equal(c.start, parseAddress("10.1.0.0")!.value);
    assert.equal(c.end, parseAddress("10.1.255.255")!.value);
    assert.equal(parseCidr("0.0.0.0/0").end, (1n << 32n) - 1n);
    assert.equal(parseCidr("::/0").end, (1n << 128n) - 1n);
    assert.equal(parseCidr("2600:1f18:4a3:6b00::/56").prefix, 56);
    assert.equal(parseCidr("192.0.2.7").prefix, 32);
    assert.equal(tryParseCidr("10.0.0.0/33"), null);
    assert.equal(tryParseCidr("10.0.0.0/"), null);
    assert.equal(tryParseCidr("::/129"), null);
    assert.throws(() => parseCidr("nope"), /not a CIDR block/);
  });

  it("knows the public address space", () => {
    for (const a of ["54.210.1.10", "8.8.8.8", "2600:1f18::1", "100.128.0.1", "172.32.0.1"])
      assert.ok(isPublicAddress(a), a);
    for (const a of [
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "100.64.0.1",
      "127.0.0.1",
      "169.254.169.254",
      "fd00::1",
      "fe80::1",
      "::1",
      "224.0.0.1",
    ])
      assert.ok(!isPublicAddress(a), a);
  });

  it("cuts the public space into atoms at block boundaries, minus excluded blocks", () => {
    const atoms = publicAtoms(
      4,
      [parseCidr("0.0.0.0/0"), parseCidr("54.0.0.0/8")],
      [parseCidr("54.1.0.0/16")],
    );
    // Every atom is public and either inside or outside 54/8 entirely; 54.1/16 is in none.
    const inside = parseCidr("54.0.0.0/8");
    const excluded = parseCidr("54.1.0.0/16");
    for (const [lo, hi] of atoms) {
      assert.ok(lo <= hi);
      const isIn = lo >= inside.start && lo <= inside.end;
      assert.equal(hi >= inside.start && hi <= inside.end, isIn);
      assert.ok(hi < excluded.start || lo > excluded.end);
    }
    assert.ok(atoms.some(([lo]) => lo === parseAddress("54.2.0.0")!.value));
  });
});

/** The members of a port set, the slow way, for checking the interval arithmetic. */
function members(s: PortSet, limit = 300): Set<number> {
  const out = new Set<number>();
  for (const [a, b] of s) for (let p = a; p <= b && p < limit; p++) out.add(p);
  return out;
}

function normalized(s: PortSet): boolean {
  for (let i = 0; i < s.length; i++) {
    const [a, b] = s[i]!;
    if (a > b) return false;
    if (i > 0 && s[i - 1]![1] + 1 >= a) return false;
  }
  return true;
}

describe("port sets", () => {
  const ranges = fc.array(
    fc
      .tuple(fc.integer({ min: 0, max: 299 }), fc.integer({ min: 0, max: 40 }))
      .map(([a, n]) => [a, Math.min(299, a + n)] as [number, number]),
    { maxLength: 8 },
  );

  it("union, intersection and difference agree with member-wise set operations", () => {
    fc.assert(
      fc.property(ranges, ranges, (ra, rb) => {
        const a = portSet(ra);
        const b = portSet(rb);
        const ma = members(a);
        const mb = members(b);
        const u = portUnion(a, b);
        const i = portIntersect(a, b);
        const d = portSubtract(a, b);
        for (const s of [a, b, u, i, d]) assert.ok(normalized(s), JSON.stringify(s));
        assert.deepEqual(members(u), new Set([...ma, ...mb]));
        assert.deepEqual(members(i), new Set([...ma].filter((p) => mb.has(p))));
        assert.deepEqual(members(d), new Set([...ma].filter((p) => !mb.has(p))));
      }),
    );
  });

  it("merges adjacent and overlapping ranges", () => {
    assert.deepEqual(
      portSet([
        [1001, 65535],
        [0, 1000],
      ]),
      [[0, 65535]],
    );
    assert.deepEqual(
      portSet([
        [80, 90],
        [85, 95],
        [97, 100],
      ]),
      [
        [80, 95],
        [97, 100],
      ],
    );
    assert.deepEqual(portSubtract([[0, 65535]], [[22, 22]]), [
      [0, 21],
      [23, 65535],
    ]);
  });
});
