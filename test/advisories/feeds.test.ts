import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { parseAlpineSecdb } from "../../src/advisories/feeds/alpine-secdb.js";
import { parseDebianTracker } from "../../src/advisories/feeds/debian-tracker.js";
import { parseEpss } from "../../src/advisories/feeds/epss.js";
import type { FeedSink } from "../../src/advisories/feeds/feed.js";
import { parseKev } from "../../src/advisories/feeds/kev.js";
import { nvdCveToCvss, parseNvdPage } from "../../src/advisories/feeds/nvd.js";
import { osvToAdvisory, parseOsvArchive } from "../../src/advisories/feeds/osv.js";
import { topLevelMembers } from "../../src/advisories/json-members.js";
import type { Advisory, AffectedEntry, CvssEntry, EpssEntry, KevEntry } from "../../src/advisories/types.js";
import { makeZip, osvRecord, tempDir, vulndataDir } from "./helpers.js";

const tmp = tempDir("feeds");
after(tmp.cleanup);

class Collect implements FeedSink {
  advisories = new Map<string, { advisory: Advisory; affected: AffectedEntry[] }>();
  kevs: KevEntry[] = [];
  epsses: EpssEntry[] = [];
  cvsses: CvssEntry[] = [];
  skips: { where: string; reason: string; id?: string }[] = [];
  advisory(advisory: Advisory, affected: AffectedEntry[]) {
    this.advisories.set(advisory.id, { advisory, affected });
  }
  kev(e: KevEntry) {
    this.kevs.push(e);
  }
  epss(e: EpssEntry) {
    this.epsses.push(e);
  }
  cvss(e: CvssEntry) {
    this.cvsses.push(e);
  }
  skip(where: string, reason: string, id?: string) {
    this.skips.push({ where, reason, ...(id !== undefined ? { id } : {}) });
  }
  progress() {}
}

function write(name: string, data: Buffer | string): string {
  const path = join(tmp.path, name);
  writeFileSync(path, data);
  return path;
}

const sample = (name: string) => ({ label: `samples/${name}`, path: join(vulndataDir, "samples", name) });

describe("OSV records", () => {
  it("keeps ranges and versions, drops GIT ranges and package-less entries", () => {
    const { advisory, affected } = osvToAdvisory(
      JSON.parse(
        osvRecord({
          id: "RUSTSEC-X",
          aliases: ["CVE-1", 7],
          withdrawn: "2024-05-01T00:00:00Z",
          references: [{ type: "ADVISORY", url: "https://x" }, { url: "https://y" }, { type: "WEB" }],
          affected: [
            {
              package: { ecosystem: "crates.io", name: "foo" },
              ranges: [
                { type: "SEMVER", events: [{ introduced: "0.0.0-0" }, { fixed: "1.0.0" }, { bogus: "x" }] },
                { type: "GIT", events: [{ introduced: "deadbeef" }] },
              ],
              versions: [],
            },
            { ranges: [{ type: "GIT", events: [{ introduced: "0" }] }] },
            { package: { ecosystem: "crates.io", name: "only-git" }, ranges: [{ type: "GIT", events: [] }] },
          ],
        }),
      ),
      "osv:crates.io",
    );
    assert.deepEqual(advisory.aliases, ["CVE-1"]);
    assert.equal(advisory.withdrawn, "2024-05-01T00:00:00Z");
    assert.deepEqual(advisory.references, [
      { type: "ADVISORY", url: "https://x" },
      { type: "WEB", url: "https://y" },
    ]);
    assert.deepEqual(affected, [
      {
        advisoryId: "RUSTSEC-X",
        ecosystem: "crates.io",
        packageName: "foo",
        ranges: [{ type: "SEMVER", events: [{ introduced: "0.0.0-0" }, { fixed: "1.0.0" }] }],
      },
    ]);
  });

  it("rejects records that are not OSV", () => {
    assert.throws(() => osvToAdvisory([], "osv:Go"), /not a JSON object/);
    assert.throws(() => osvToAdvisory({ modified: "x" }, "osv:Go"), /no id/);
  });

  it("skips a malformed entry with a warning naming it, keeping its stored version", async () => {
    const path = write(
      "bad-entry.zip",
      makeZip([
        { name: "GO-1.json", data: osvRecord({ id: "GO-1" }) },
        { name: "GO-2.json", data: '{"id": "GO-2", "modified": ' },
        { name: "GO-3.json", data: "[]" },
        { name: "README.txt", data: "not a record" },
        { name: "GO-4.json", data: osvRecord({ id: "GO-4" }), method: 0 },
      ]),
    );
    const sink = new Collect();
    await parseOsvArchive({ label: "osv/Go/all.zip", path }, "osv:Go", sink);
    assert.deepEqual([...sink.advisories.keys()], ["GO-1", "GO-4"]);
    assert.equal(sink.skips.length, 2);
    assert.equal(sink.skips[0]!.where, "osv/Go/all.zip:GO-2.json");
    assert.match(sink.skips[0]!.reason, /malformed JSON/);
    assert.equal(sink.skips[0]!.id, "GO-2");
    assert.equal(sink.skips[1]!.where, "osv/Go/all.zip:GO-3.json");
    assert.match(sink.skips[1]!.reason, /not a JSON object/);
  });

  it("fails on a truncated archive, naming the file", async () => {
    const whole = readFileSync(join(vulndataDir, "osv/crates.io/all.zip"));
    const path = write("truncated.zip", whole.subarray(0, Math.floor(whole.length / 2)));
    await assert.rejects(
      parseOsvArchive({ label: "osv/crates.io/all.zip", path }, "osv:crates.io", new Collect()),
      /^Error: osv\/crates\.io\/all\.zip: not a readable zip archive \(truncated or corrupt\?\): .*central directory/,
    );
    const empty = write("empty.zip", "");
    await assert.rejects(
      parseOsvArchive({ label: "empty.zip", path: empty }, "osv:Go", new Collect()),
      /empty\.zip: not a readable zip archive/,
    );
  });

  it("fails on entry data that does not decompress or fails its CRC, naming the entry", async () => {
    const entries = [
      { name: "A.json", data: osvRecord({ id: "A", details: "x".repeat(5000) }) },
      { name: "B.json", data: osvRecord({ id: "B", details: "y".repeat(5000) }) },
    ];
    const zip = makeZip(entries);
    // Overwrite the middle of B's compressed data.
    const bStart = zip.indexOf(Buffer.from("B.json")) + 6;
    const garbled = Buffer.from(zip);
    garbled.fill(0xff, bStart + 2, bStart + 12);
    const path = write("garbled.zip", garbled);
    const sink = new Collect();
    await assert.rejects(
      parseOsvArchive({ label: "osv/Go/all.zip", path }, "osv:Go", sink),
      /osv\/Go\/all\.zip: B\.json: (cannot decompress|size mismatch|CRC mismatch)/,
    );
    assert.deepEqual([...sink.advisories.keys()], ["A"], "A was read before B broke");
    // Stored data whose CRC does not match.
    const stored = makeZip([{ name: "C.json", data: osvRecord({ id: "C" }), method: 0 }]);
    const cStart = stored.indexOf(Buffer.from('"id"'));
    stored.write('"ID"', cStart);
    await assert.rejects(
      parseOsvArchive({ label: "c.zip", path: write("crc.zip", stored) }, "osv:Go", new Collect()),
      /c\.zip: C\.json: CRC mismatch/,
    );
  });
});

describe("Debian security tracker", () => {
  it("turns the real sample into per-release entries", async () => {
    const sink = new Collect();
    await parseDebianTracker([sample("debian-debian.json")], "debian-tracker", sink);
    // resolved with fixed_version "0" everywhere: never affected, no advisory.
    assert.equal(sink.advisories.has("CVE-2007-2383"), false);
    // "releases": [] (PHP's empty map): nothing to say.
    assert.equal(sink.advisories.has("CVE-2022-0358"), false);
    const chromium = sink.advisories.get("CVE-2022-0456")!;
    assert.equal(chromium.advisory.source, "debian-tracker");
    assert.equal(chromium.advisory.modified, "", "the tracker has no dates; the writer stamps one");
    assert.deepEqual(
      chromium.affected.map((e) => [e.ecosystem, e.packageName, e.ranges?.[0]?.events, e.severity]),
      [
        ["Debian:10", "chromium", [{ introduced: "0" }], "end-of-life"],
        [
          "Debian:11",
          "chromium",
          [{ introduced: "0" }, { fixed: "98.0.4758.80-1~deb11u1" }],
          "not yet assigned",
        ],
        ["Debian:12", "chromium", [{ introduced: "0" }, { fixed: "98.0.4758.80-1" }], "not yet assigned"],
        ["Debian:9", "chromium", [{ introduced: "0" }], "end-of-life"],
      ],
    );
    const proto = sink.advisories.get("CVE-2008-7220")!;
    assert.match(proto.advisory.details!, /Prototype JavaScript framework/);
    // "high**" (urgency taken from NVD) is "high"; sid has no release number and is left out.
    assert.deepEqual(
      proto.affected.map((e) => [e.ecosystem, e.severity]),
      [
        ["Debian:10", "high"],
        ["Debian:8", "high"],
        ["Debian:9", "high"],
      ],
    );
    const sope = sink.advisories.get("CVE-2025-53603")!;
    assert.deepEqual(sope.affected.find((e) => e.ecosystem === "Debian:12")!.ranges, [
      { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "5.8.0-1+deb12u1" }] },
    ]);
    assert.equal(sink.skips.length, 0);
  });

  it("merges one CVE across source packages and reports malformed documents", async () => {
    const doc = {
      a: { "CVE-1": { description: "d", releases: { bookworm: { status: "open", urgency: "low" } } } },
      b: {
        "CVE-1": {
          releases: {
            bookworm: { status: "undetermined" },
            bullseye: { status: "resolved", fixed_version: "2" },
          },
        },
        "CVE-2": "nonsense",
      },
      c: [],
    };
    const sink = new Collect();
    await parseDebianTracker(
      [{ label: "t.json", path: write("t.json", JSON.stringify(doc)) }],
      "debian-tracker",
      sink,
    );
    assert.deepEqual(
      sink.advisories
        .get("CVE-1")!
        .affected.map((e) => [e.ecosystem, e.packageName, e.ranges?.[0]?.events.length]),
      [
        ["Debian:11", "b", 2],
        ["Debian:12", "a", 1],
        ["Debian:12", "b", 1],
      ],
    );
    assert.deepEqual(
      sink.skips.map((s) => s.reason),
      ["b CVE-2: expected an object", 'package "c": expected an object of issues'],
    );
    const truncated = write("trunc.json", JSON.stringify(doc).slice(0, 60));
    await assert.rejects(
      parseDebianTracker([{ label: "trunc.json", path: truncated }], "debian-tracker", new Collect()),
      /^Error: trunc\.json: malformed JSON: document is truncated/,
    );
    const gz = write("t.json.gz", gzipSync(JSON.stringify(doc)));
    const sink2 = new Collect();
    await parseDebianTracker([{ label: "t.json.gz", path: gz }], "debian-tracker", sink2);
    assert.equal(sink2.advisories.size, 1);
  });

  it("walks top-level members and rejects broken documents", () => {
    const members = [...topLevelMembers(Buffer.from(' { "a" : {"x": "}\\"{"}, "b":[1,{"c":2}] , "c": 3 } '))];
    assert.deepEqual(members, [
      ["a", { x: '}"{' }],
      ["b", [1, { c: 2 }]],
      ["c", 3],
    ]);
    assert.deepEqual([...topLevelMembers(Buffer.from("{}"))], []);
    assert.throws(() => [...topLevelMembers(Buffer.from("[1]"))], /expected an object/);
    assert.throws(
      () => [...topLevelMembers(Buffer.from('{"a": {"b": tru}}'))],
      /malformed JSON in member "a"/,
    );
    assert.throws(() => [...topLevelMembers(Buffer.from('{"a": 1} x'))], /data after the top-level object/);
    assert.throws(
      () => [...topLevelMembers(Buffer.from('{"a": "unterminated'))],
      /truncated inside a string/,
    );
  });
});

describe("Alpine secdb", () => {
  it("reads a branch: several fixes of one CVE, never-affected, vendor ids", async () => {
    const doc = {
      distroversion: "v3.9",
      packages: [
        {
          pkg: {
            name: "lame",
            secfixes: { "3.100-r0": ["CVE-2015-9099"], "3.99.5-r6": ["CVE-2015-9099", "CVE-2015-9100"] },
          },
        },
        { pkg: { name: "xen", secfixes: { "4.7.0-r1": ["CVE-2016-6258 XSA-182"], "0": ["CVE-2015-9100"] } } },
        { pkg: { name: "wireshark", secfixes: { "2.2.7-r0": ["wnpa-sec-2017-18"] } } },
        { pkg: { name: "rsync", secfixes: { "3.1.2-r3": ["CVE-2017-17434-1", "CVE-2017-17434-2"] } } },
        { pkg: { name: "nosec" } },
        { pkg: {} },
      ],
    };
    const other = { distroversion: "v3.10", packages: null };
    const sink = new Collect();
    await parseAlpineSecdb(
      [
        { label: "alpine-secdb/v3.9/main.json", path: write("a-main.json", JSON.stringify(doc)) },
        { label: "alpine-secdb/v3.10/community.json", path: write("a-comm.json", JSON.stringify(other)) },
      ],
      "alpine-secdb",
      sink,
    );
    const lame = sink.advisories.get("ALPINE-CVE-2015-9099")!;
    assert.deepEqual(lame.advisory.aliases, ["CVE-2015-9099"]);
    // Both fixes kept as fixed events: OSV evaluation then means "fixed from the smallest"
    // (3.99.5-r6 < 3.100-r0 under apk ordering, though not as text).
    assert.deepEqual(lame.affected, [
      {
        advisoryId: "ALPINE-CVE-2015-9099",
        ecosystem: "Alpine:v3.9",
        packageName: "lame",
        ranges: [
          { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.100-r0" }, { fixed: "3.99.5-r6" }] },
        ],
      },
    ]);
    // xen says "0" (never affected) for CVE-2015-9100: only lame's entry remains.
    assert.deepEqual(
      sink.advisories.get("ALPINE-CVE-2015-9100")!.affected.map((e) => e.packageName),
      ["lame"],
    );
    assert.deepEqual(sink.advisories.get("ALPINE-CVE-2016-6258")!.advisory.aliases, [
      "CVE-2016-6258",
      "XSA-182",
    ]);
    assert.equal(sink.advisories.get("ALPINE-wnpa-sec-2017-18")!.affected[0]!.packageName, "wireshark");
    assert.equal(sink.advisories.get("ALPINE-CVE-2017-17434")!.affected.length, 1);
    assert.deepEqual(
      sink.skips.map((s) => s.reason),
      ["no pkg.name"],
    );
  });

  it("names the file when it is not secdb JSON", async () => {
    await assert.rejects(
      parseAlpineSecdb(
        [{ label: "alpine-secdb/v3.9/main.json", path: write("bad.json", "{nope") }],
        "alpine-secdb",
        new Collect(),
      ),
      /^Error: alpine-secdb\/v3\.9\/main\.json: malformed JSON/,
    );
    await assert.rejects(
      parseAlpineSecdb(
        [{ label: "x/main.json", path: write("nov.json", '{"packages": []}') }],
        "alpine-secdb",
        new Collect(),
      ),
      /x\/main\.json: no distroversion/,
    );
  });
});

describe("KEV, EPSS, NVD", () => {
  it("reads the KEV catalog sample", async () => {
    const sink = new Collect();
    await parseKev(sample("kev-valid-catalog-1.json"), sink);
    assert.ok(sink.kevs.length >= 1);
    const first = sink.kevs.find((k) => k.cveId === "CVE-2025-0108")!;
    assert.equal(first.vendorProject, "Palo Alto Networks");
    assert.equal(first.dateAdded, "2025-02-18");
    await assert.rejects(
      parseKev({ label: "k.json", path: write("k.json", '{"title": 1}') }, new Collect()),
      /k\.json: not a KEV catalog/,
    );
  });

  it("reads EPSS CSV, plain and gzipped", async () => {
    for (const [label, path] of [
      ["samples/epss-example-1.csv", join(vulndataDir, "samples/epss-example-1.csv")],
      [
        "epss.csv.gz",
        write("epss.csv.gz", gzipSync(readFileSync(join(vulndataDir, "samples/epss-example-1.csv")))),
      ],
    ] as const) {
      const sink = new Collect();
      await parseEpss({ label, path }, sink);
      assert.equal(sink.epsses.length, 5, label);
      assert.deepEqual(sink.epsses[4], {
        cveId: "CVE-1999-0005",
        score: 0.91963,
        percentile: 0.99214,
        date: "2025-02-20",
      });
    }
  });

  it("skips bad EPSS rows naming the line, and rejects a file that is not EPSS", async () => {
    const csv = [
      "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000",
      "cve,epss,percentile",
      "CVE-2024-0001,0.5,0.9",
      "CVE-2024-0002,abc,0.9",
      "not-a-cve,0.1,0.1",
      "CVE-2024-0003,0.2,1.5",
      "CVE-2024-0004,0.2",
      "",
      "CVE-2024-0005,0.00001,0.00002\r",
    ].join("\n");
    const sink = new Collect();
    await parseEpss({ label: "epss/x.csv", path: write("x.csv", csv) }, sink);
    assert.deepEqual(
      sink.epsses.map((e) => e.cveId),
      ["CVE-2024-0001", "CVE-2024-0005"],
    );
    assert.deepEqual(
      sink.skips.map((s) => `${s.where}: ${s.reason}`),
      [
        'epss/x.csv line 4: epss "abc" is not a probability',
        'epss/x.csv line 5: bad CVE id "not-a-cve"',
        'epss/x.csv line 6: percentile "1.5" is not a probability',
        'epss/x.csv line 7: percentile "" is not a probability',
      ],
    );
    await assert.rejects(
      parseEpss({ label: "epss/y.csv", path: write("y.csv", "id,score\nCVE-1,2\n") }, new Collect()),
      /^Error: epss\/y\.csv line 1: expected the header "cve,epss,percentile"/,
    );
    await assert.rejects(
      parseEpss({ label: "epss/z.csv", path: write("z.csv", "") }, new Collect()),
      /epss\/z\.csv: empty file/,
    );
    const manyBad = [
      "cve,epss,percentile",
      ...Array.from({ length: 50 }, (_, i) => `CVE-2024-${1000 + i},x,y`),
    ].join("\n");
    await assert.rejects(
      parseEpss({ label: "epss/bad.csv", path: write("bad.csv", manyBad) }, new Collect()),
      /epss\/bad\.csv: 50 of 50 rows are bad; not an EPSS file\?/,
    );
    await assert.rejects(
      parseEpss(
        { label: "epss/bad.csv.gz", path: write("bad.csv.gz", gzipSync(csv).subarray(0, 30)) },
        new Collect(),
      ),
      /epss\/bad\.csv\.gz: corrupt gzip data|unexpected end of file/,
    );
  });

  it("reads NVD CVSS metrics, preferring NVD's own v3.x score", async () => {
    const sink = new Collect();
    await parseNvdPage(sample("nvd-single-entry.json"), sink);
    assert.deepEqual(sink.cvsses, [
      {
        cveId: "CVE-2022-1576",
        metrics: [
          {
            source: "nvd@nist.gov",
            version: "3.1",
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",
            baseScore: 6.5,
            baseSeverity: "MEDIUM",
          },
          {
            source: "nvd@nist.gov",
            version: "2.0",
            vector: "AV:N/AC:M/Au:N/C:N/I:P/A:N",
            baseScore: 4.3,
            baseSeverity: "MEDIUM",
          },
        ],
        baseScore: 6.5,
        vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",
        version: "3.1",
        published: "2022-07-11T13:15:08.503",
        lastModified: "2024-11-21T06:41:00.133",
        description:
          "The WP Maintenance Mode & Coming Soon WordPress plugin before 2.4.5 is lacking CSRF when emptying the subscribed users list, which could allow attackers to make a logged in admin perform such action via a CSRF attack",
      },
    ]);
    const cvss = (metrics: Record<string, unknown>) => nvdCveToCvss({ id: "CVE-2024-1234", metrics });
    const m = (type: string, version: string, score: number) => ({
      source: type === "Primary" ? "nvd@nist.gov" : "cna@example.org",
      type,
      cvssData: { version, vectorString: `V${version}-${score}`, baseScore: score },
    });
    const both = cvss({
      cvssMetricV31: [m("Secondary", "3.1", 9.8), m("Primary", "3.1", 7.5)],
      cvssMetricV2: [m("Primary", "2.0", 5)],
    });
    assert.equal(both.baseScore, 7.5);
    assert.equal(
      cvss({ cvssMetricV40: [m("Secondary", "4.0", 8.7)], cvssMetricV30: [m("Secondary", "3.0", 6.1)] })
        .baseScore,
      6.1,
    );
    assert.equal(
      cvss({ cvssMetricV40: [m("Secondary", "4.0", 8.7)], cvssMetricV2: [m("Primary", "2.0", 5)] }).version,
      "4.0",
    );
    const none = cvss({});
    assert.equal(none.baseScore, undefined);
    assert.deepEqual(none.metrics, []);
    assert.throws(() => nvdCveToCvss({ id: "nope" }), /bad CVE id "nope"/);
  });

  it("prefers the Primary score across the real NVD page sample", async () => {
    const sink = new Collect();
    await parseNvdPage(sample("nvd-full-page.json"), sink);
    assert.equal(sink.cvsses.length, 38);
    assert.equal(sink.skips.length, 0);
    for (const c of sink.cvsses) {
      const primary = c.metrics.find((x) => x.source === "nvd@nist.gov" && x.version.startsWith("3"));
      if (primary) assert.equal(c.baseScore, primary.baseScore, c.cveId);
    }
    const byId = new Map(sink.cvsses.map((c) => [c.cveId, c]));
    // NVD 4.3 (Primary) over IBM's 5.3 (Secondary).
    assert.equal(byId.get("CVE-2021-20581")!.baseScore, 4.3);
    assert.equal(byId.get("CVE-2021-20581")!.metrics.length, 2);
    // Only a CNA score: that one.
    assert.equal(byId.get("CVE-2023-5642")!.baseScore, 9.8);
    await assert.rejects(
      parseNvdPage({ label: "nvd/p.json", path: write("p.json", '{"vulnerabilities": 3}') }, new Collect()),
      /nvd\/p\.json: not an NVD CVE API 2\.0 response/,
    );
  });
});
