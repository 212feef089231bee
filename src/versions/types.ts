/** A version scheme: how one packaging world orders its version strings. */
export interface VersionScheme {
  /** Short identifier, e.g. "dpkg", "pep440". */
  readonly name: string;
  /**
   * Negative when a < b, 0 when they are equal under the scheme, positive when a > b.
   * Throws InvalidVersionError when the scheme has a grammar and either side does not fit it.
   */
  compare(a: string, b: string): number;
  /** Whether `version` is well-formed under this scheme. */
  isValid(version: string): boolean;
  /**
   * Optional split of `compare` into parsing and comparing parsed forms, for callers that compare
   * the same versions many times (matching parses each once). Must agree with `compare`.
   */
  readonly parsed?: ParsedVersions<unknown>;
}

/**
 * `compare(a, b)` is `compare(parse(a), parse(b))`, and `parse` throws exactly when `compare`
 * would throw because of that side. Parsed values are never mutated, so they can be cached.
 */
export interface ParsedVersions<P> {
  parse(version: string): P;
  compare(a: P, b: P): number;
  /** A string equal for two parsed versions exactly when `compare` returns 0 for them. */
  key?(version: P): string;
}

export class InvalidVersionError extends Error {
  constructor(
    readonly scheme: string,
    readonly version: string,
    reason?: string,
  ) {
    // Hostile inputs can be huge: quote only the start of them.
    const shown =
      version.length > 100
        ? `${JSON.stringify(version.slice(0, 100))}… (${version.length} characters)`
        : JSON.stringify(version);
    super(`invalid ${scheme} version ${shown}${reason ? `: ${reason}` : ""}`);
    this.name = "InvalidVersionError";
  }
}
