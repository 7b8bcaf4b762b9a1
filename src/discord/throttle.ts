// Runs a flush at most once per interval, measured from the end of the previous one so that
// Discord sees calls at least `intervalMs` apart even when a call itself was slow.
export class Throttle {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private dirty = false;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private closed = false;
  private failure: unknown;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: () => Promise<void>,
  ) {}

  /** There is something new to show: flush now if allowed, else once the interval has passed. */
  poke(): void {
    if (this.closed) return;
    this.dirty = true;
    this.schedule();
  }

  /** Waits for the running flush, then flushes once more (respecting the interval); throws if that last flush failed. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    const wait = this.lastEnd + this.intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await this.run();
    if (this.failure) throw this.failure;
  }

  private schedule(): void {
    if (this.running || this.timer) return;
    const wait = Math.max(0, this.lastEnd + this.intervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run().then(() => {
        if (this.dirty && !this.closed) this.schedule();
      });
    }, wait);
  }

  private run(): Promise<void> {
    this.dirty = false;
    // Each flush writes the whole current state, so only the last one's failure matters: an
    // outage on one progress edit that a later flush made good is not a failed answer.
    this.running = this.flush()
      .then(() => {
        this.failure = undefined;
      })
      .catch((error) => {
        this.failure = error;
      })
      .finally(() => {
        this.lastEnd = performance.now();
        this.running = undefined;
      });
    return this.running;
  }
}
