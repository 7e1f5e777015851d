/**
 * A retry budget in the style of Finagle and Envoy: retries may add at most `ratio` of the
 * calls made in the last second, plus `minPerSecond`. During an outage every call fails, so
 * without a budget each retry would multiply the load on the service that is already down.
 * (cockatiel's retry has attempts and backoff but no budget shared across calls.)
 */
export class RetryBudget {
  private windowStart = Date.now();
  private calls = 0;
  private retries = 0;

  constructor(
    private readonly ratio: number,
    private readonly minPerSecond: number,
  ) {}

  recordCall(): void {
    this.roll();
    this.calls++;
  }

  /** True, and the retry counted, when the budget allows one more. */
  tryRetry(): boolean {
    this.roll();
    if (this.retries >= this.minPerSecond + this.calls * this.ratio) return false;
    this.retries++;
    return true;
  }

  private roll(): void {
    const now = Date.now();
    if (now - this.windowStart < 1_000) return;
    this.windowStart = now;
    this.calls = 0;
    this.retries = 0;
  }
}
