/**
 * Shared bookkeeping for record-oriented package databases (dpkg status, apk installed): one bad
 * record is skipped with a warning and the rest of the file is still used, but a file in which
 * nothing parses is rejected as a whole instead of producing a warning per record.
 */

/** Past this many per-record warnings for one file, the rest are summed up in one warning. */
export const MAX_RECORD_WARNINGS = 10;

export class RecordProblems {
  private readonly reasons: string[] = [];
  private count = 0;

  add(reason: string): void {
    this.count++;
    if (this.reasons.length < MAX_RECORD_WARNINGS) this.reasons.push(reason);
  }

  get total(): number {
    return this.count;
  }

  /**
   * Reports the collected problems. When no record at all was usable the file is not of the
   * expected format, so this throws one error instead (`what` names the record kind).
   */
  report(warn: (reason: string) => void, usable: number, what: string, format: string): void {
    if (this.count === 0) return;
    if (usable === 0) {
      throw new Error(
        `not a valid ${format}: ${this.count} malformed ${what}${this.count === 1 ? "" : "s"} and none usable (first: ${this.reasons[0]})`,
      );
    }
    for (const r of this.reasons) warn(r);
    const extra = this.count - this.reasons.length;
    if (extra > 0) warn(`${extra} more malformed ${what}${extra === 1 ? "" : "s"} skipped`);
  }
}
