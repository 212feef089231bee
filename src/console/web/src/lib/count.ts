import { op } from "../api";
import type { AggregationResponse, FilterCriteria, Operations } from "../types";

/**
 * How many findings match, counted by paging ListFindings (the API has no count), up to `cap`:
 * `capped` says there are more. A page may come back short (the server bounds the rows it
 * examines per call), so the number of calls is bounded too.
 */
export async function countFindings(
  criteria: FilterCriteria,
  cap: number,
  signal?: AbortSignal,
): Promise<{ count: number; capped: boolean }> {
  let count = 0;
  let token: string | undefined;
  let calls = 0;
  do {
    const r = await op(
      "ListFindings",
      { filterCriteria: criteria, maxResults: 100, ...(token ? { nextToken: token } : {}) },
      signal ? { signal } : {},
    );
    count += r.findings.length;
    token = r.nextToken;
    calls++;
  } while (token && count < cap && calls < Math.ceil(cap / 100) + 10);
  return { count: Math.min(count, cap), capped: token !== undefined };
}

/** Every page of an aggregation (for the few-group ones: accounts, finding types). */
export async function allAggregations(
  input: Operations["ListFindingAggregations"][0],
  signal?: AbortSignal,
  maxPages = 20,
): Promise<AggregationResponse[]> {
  const out: AggregationResponse[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await op(
      "ListFindingAggregations",
      { ...input, ...(token ? { nextToken: token } : {}) },
      signal ? { signal } : {},
    );
    out.push(...r.responses);
    token = r.nextToken;
    pages++;
  } while (token && pages < maxPages);
  return out;
}
