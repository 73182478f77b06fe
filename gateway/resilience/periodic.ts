/**
 * A worker's rounds on a timer: one round at a time, the next `intervalMs` after the last one
 * ended; a failed round is reported and the next runs as usual; stop() waits for the round in
 * progress. The timer never keeps the process alive.
 */
export class Periodic {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stoppedFlag = false;

  constructor(
    private readonly round: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** true once stop() was called: a long round checks it between its steps */
  get stopped() {
    return this.stoppedFlag;
  }

  start(firstDelayMs = this.intervalMs) {
    this.stoppedFlag = false;
    this.schedule(firstDelayMs);
  }

  async stop() {
    this.stoppedFlag = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number) {
    if (this.stoppedFlag) return;
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch(this.onError)
        .finally(() => this.schedule(this.intervalMs));
    }, ms);
    this.timer.unref();
  }
}
