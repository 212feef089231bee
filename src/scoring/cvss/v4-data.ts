/**
 * CVSS v4.0 scoring data (FIRST CVSS v4.0 specification, section 8, and its reference calculator):
 * the score of each of the 270 MacroVectors, the highest-severity vectors of each equivalence
 * class, and the depth of each class.
 */

/**
 * MacroVector scores. Rows are EQ1 EQ2 EQ3; the columns are EQ4 EQ5 EQ6 in counting order:
 * 000 001 010 011 020 021 100 101 110 111 120 121 200 201 210 211 220 221 for EQ3 ∈ {0, 1}, and
 * 001 011 021 101 111 121 201 211 221 for EQ3 = 2 (EQ3 = 2 implies EQ6 = 1).
 */
const ROWS: Record<string, string> = {
  "000": "10  9.9 9.8 9.5 9.5 9.2 10  9.6 9.3 8.7 9.1 8.1 9.3 9   8.9 8   8.1 6.8",
  "001": "9.8 9.5 9.5 9.2 9   8.4 9.3 9.2 8.9 8.1 8.1 6.5 8.8 8   7.8 7   6.9 4.8",
  "002": "9.2 8.2 7.2 7.9 6.9 5   6.9 5.5 2.7",
  "010": "9.9 9.7 9.5 9.2 9.2 8.5 9.5 9.1 9   8.3 8.4 7.1 9.2 8.1 8.2 7.1 7.2 5.3",
  "011": "9.5 9.3 9.2 8.5 8.5 7.3 9.2 8.2 8   7.2 7   5.9 8.4 7   7.1 5.2 5   3",
  "012": "8.6 7.5 5.2 7.1 5.2 2.9 6.3 2.9 1.7",
  "100": "9.8 9.5 9.4 8.7 9.1 8.1 9.4 8.9 8.6 7.4 7.7 6.4 8.7 7.5 7.4 6.3 6.3 4.9",
  "101": "9.4 8.9 8.8 7.7 7.6 6.7 8.6 7.6 7.4 5.8 5.9 5   7.2 5.7 5.7 5.2 5.2 2.5",
  "102": "8.3 7   5.4 6.5 5.8 2.6 5.3 2.1 1.3",
  "110": "9.5 9   8.8 7.6 7.6 7   9   7.7 7.5 6.2 6.1 5.3 7.7 6.6 6.8 5.9 5.2 3",
  "111": "8.9 7.8 7.6 6.7 6.2 5.8 7.4 5.9 5.7 5.7 4.7 2.3 6.1 5.2 5.7 2.9 2.4 1.6",
  "112": "7.1 5.9 3   5.8 2.6 1.5 2.3 1.3 0.6",
  "200": "9.3 8.7 8.6 7.2 7.5 5.8 8.6 7.4 7.4 6.1 5.6 3.4 7   5.4 5.2 4   4   2.2",
  "201": "8.5 7.5 7.4 5.5 6.2 5.1 7.2 5.7 5.5 4.1 4.6 1.9 5.3 3.6 3.4 1.9 1.9 0.8",
  "202": "6.4 5.1 2   4.7 2.1 1.1 2.4 0.9 0.4",
  "210": "8.8 7.5 7.3 5.3 6   5   7.3 5.5 5.9 4   4.1 2   5.4 4.3 4.5 2.2 2   1.1",
  "211": "7.5 5.5 5.8 4.5 4   2.1 6.1 5.1 4.8 1.8 2   0.9 4.6 1.8 1.7 0.7 0.8 0.2",
  "212": "5.3 2.4 1.4 2.4 1.2 0.5 1   0.3 0.1",
};

/** MacroVector (six digits EQ1..EQ6) → score in tenths (integers keep the interpolation exact). */
export const MACROVECTOR_TENTHS: ReadonlyMap<string, number> = (() => {
  const out = new Map<string, number>();
  for (const [row, text] of Object.entries(ROWS)) {
    const scores = text.trim().split(/\s+/);
    const eq6s = row.endsWith("2") ? [1] : [0, 1];
    let i = 0;
    for (const eq4 of [0, 1, 2]) {
      for (const eq5 of [0, 1, 2]) {
        for (const eq6 of eq6s) {
          const s = scores[i++];
          if (s === undefined) throw new Error(`CVSS v4 table row ${row} is short`);
          out.set(`${row}${eq4}${eq5}${eq6}`, Math.round(Number(s) * 10));
        }
      }
    }
    if (i !== scores.length) throw new Error(`CVSS v4 table row ${row} is long`);
  }
  return out;
})();

/** Metric → value → severity level (0 = most severe); the severity distance counts these steps. */
export const LEVELS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  AV: { N: 0, A: 1, L: 2, P: 3 },
  PR: { N: 0, L: 1, H: 2 },
  UI: { N: 0, P: 1, A: 2 },
  AC: { L: 0, H: 1 },
  AT: { N: 0, P: 1 },
  VC: { H: 0, L: 1, N: 2 },
  VI: { H: 0, L: 1, N: 2 },
  VA: { H: 0, L: 1, N: 2 },
  SC: { H: 1, L: 2, N: 3 },
  SI: { S: 0, H: 1, L: 2, N: 3 },
  SA: { S: 0, H: 1, L: 2, N: 3 },
  CR: { H: 0, M: 1, L: 2 },
  IR: { H: 0, M: 1, L: 2 },
  AR: { H: 0, M: 1, L: 2 },
  E: { A: 0, P: 1, U: 2 },
};

/** The metrics whose distances are summed for each EQ ("eq3" stands for EQ3 and EQ6 together). */
export const EQ_METRICS = {
  eq1: ["AV", "PR", "UI"],
  eq2: ["AC", "AT"],
  eq3: ["VC", "VI", "VA", "CR", "IR", "AR"],
  eq4: ["SC", "SI", "SA"],
  eq5: ["E"],
} as const;

/** Highest-severity vectors of each equivalence class, as partial vectors. */
export const MAX_VECTORS = {
  eq1: [
    ["AV:N/PR:N/UI:N"],
    ["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"],
    ["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"],
  ],
  eq2: [["AC:L/AT:N"], ["AC:H/AT:N", "AC:L/AT:P"]],
  /** Indexed [EQ3][EQ6]. */
  eq3: [
    [["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"], ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"]],
    [
      ["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"],
      [
        "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
        "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
        "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
        "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
        "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
      ],
    ],
    [[], ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"]],
  ],
  eq4: [["SC:H/SI:S/SA:S"], ["SC:H/SI:H/SA:H"], ["SC:L/SI:L/SA:L"]],
  eq5: [["E:A"], ["E:P"], ["E:U"]],
} as const;

/** Depth of each equivalence class (its maximal severity distance + 1), in level steps. */
export const MAX_SEVERITY = {
  eq1: [1, 4, 5],
  eq2: [1, 2],
  /** Indexed [EQ3][EQ6]; EQ3 = 2 with EQ6 = 0 does not exist. */
  eq3: [
    [7, 6],
    [8, 8],
    [0, 10],
  ],
  eq4: [6, 5, 4],
} as const;
