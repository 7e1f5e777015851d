/**
 * Requests in flight per key (one viewer, one client address), at most `max` each, in this
 * process. A plain count per key rather than a limiter library: what is counted is a span of the
 * request's life (from its perimeter stage until its answer is out), not a function call to wrap
 * (cockatiel's bulkhead) nor a window of points (rate-limiter-flexible), and a key is dropped as
 * soon as its last request ends, so idle viewers cost nothing.
 *
 * Per replica on purpose: what it shares out is this process's bulkheads and shedder, which are
 * per replica too, so a cross-replica count would only add a Redis round trip to every request.
 */
export class InFlightCounts {
  private readonly counts = new Map<string, number>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`an in-flight cap must be a positive integer, got ${max}`);
  }

  /** Counts one request in for `key`; false, and nothing counted, when `key` already has `max`. */
  tryAcquire(key: string): boolean {
    const count = this.counts.get(key) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(key, count + 1);
    return true;
  }

  /** One of `key`'s requests has ended. */
  release(key: string): void {
    const count = this.counts.get(key) ?? 0;
    if (count <= 1) this.counts.delete(key);
    else this.counts.set(key, count - 1);
  }

  /** Requests `key` has in flight now. */
  of(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
