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
}

export class InvalidVersionError extends Error {
  constructor(
    readonly scheme: string,
    readonly version: string,
    reason?: string,
  ) {
    super(`invalid ${scheme} version ${JSON.stringify(version)}${reason ? `: ${reason}` : ""}`);
    this.name = "InvalidVersionError";
  }
}
