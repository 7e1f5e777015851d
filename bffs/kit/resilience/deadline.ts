/**
 * The time a request has left. Created when the request arrives; every downstream call asks it
 * how long it may take, so no call outlives its request. One timer per request, cleared by
 * `dispose()` when the response is sent: a per-call `AbortSignal.timeout` would fire later for
 * every call ever made, building an abort event and a DOMException each time.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private abortedBy: 'deadline' | 'client' | undefined;
  private readonly onClientAbort = () => this.clientLeft(this.clientSignal?.reason);

  private constructor(
    readonly expiresAt: number,
    private readonly clientSignal?: AbortSignal,
  ) {
    this.timer = setTimeout(() => {
      this.abortedBy ??= 'deadline';
      this.controller.abort(new DOMException('request deadline exceeded', 'TimeoutError'));
    }, expiresAt - Date.now());
    this.timer.unref();
    clientSignal?.addEventListener('abort', this.onClientAbort, { once: true });
  }

  /** `clientSignal` aborts when the client goes away; the deadline aborts then too. */
  static after(ms: number, clientSignal?: AbortSignal): Deadline {
    return new Deadline(Date.now() + ms, clientSignal);
  }

  /** Aborts when the deadline passes or the client goes away. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  /**
   * The client went away: every call still running is aborted. (For servers that learn it from a
   * socket event rather than a signal.)
   */
  clientLeft(reason: unknown = new DOMException('the client went away', 'AbortError')): void {
    this.abortedBy ??= 'client';
    this.controller.abort(reason);
  }

  /**
   * The client went away. Calls cut short by that say nothing about the service's health, so
   * they must not trip its breaker.
   */
  get clientGone(): boolean {
    return this.abortedBy === 'client';
  }

  /** The request is answered: stop the timer and let go of the client's signal. */
  dispose(): void {
    clearTimeout(this.timer);
    this.clientSignal?.removeEventListener('abort', this.onClientAbort);
  }
}
