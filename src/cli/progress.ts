import cliProgress from "cli-progress";

/**
 * Progress on stderr that stays silent for quick work: nothing is drawn until `delayMs` has
 * passed. On a terminal it is a bar; elsewhere (CI logs) a line every few seconds.
 */
export class Progress {
  private readonly started = Date.now();
  private bar: cliProgress.SingleBar | undefined;
  private lastLine = 0;
  private phase = "";

  constructor(
    private readonly enabled: boolean,
    private readonly delayMs = 700,
  ) {}

  update(phase: string, done: number, total?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.started < this.delayMs) return;
    if (process.stderr.isTTY) {
      if (!this.bar || phase !== this.phase) {
        this.bar?.stop();
        this.phase = phase;
        this.bar = new cliProgress.SingleBar(
          {
            format: total !== undefined ? `${phase} [{bar}] {value}/{total}` : `${phase} {value}`,
            stream: process.stderr,
            clearOnComplete: true,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(total ?? 0, done);
      }
      if (total !== undefined) this.bar.setTotal(total);
      this.bar.update(done);
    } else if (now - this.lastLine > 3000 || phase !== this.phase) {
      this.phase = phase;
      this.lastLine = now;
      process.stderr.write(`${phase}: ${done}${total !== undefined ? `/${total}` : ""}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
