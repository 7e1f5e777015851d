/**
 * The time a request has left. Created when the request arrives; every downstream call asks it
 * how long it may take, so no call outlives its request. One timer per request, cleared by
 * `dispose()` when the response is sent: a per-call `AbortSignal.timeout` would fire later for
 * every call ever made, building an abort event and a DOMException each time.
 *
 * Downstream calls subscribe with `listen` (a plain set of listeners) rather than an AbortSignal:
 * an EventTarget listener added and removed per call showed in the profile, and most requests
 * never abort. `signal` is still there, made on first use, for APIs that need one.
 */
export interface AbortListener {
  deadlineAborted(reason: unknown): void;
}

export class Deadline {
  private readonly timer: NodeJS.Timeout;
  private abortedBy: 'deadline' | 'client' | undefined;
  private abortReason: unknown;
  private listeners: Set<AbortListener> | undefined;
  private controller: AbortController | undefined;
  private readonly onClientAbort = () => this.clientLeft(this.clientSignal?.reason);

  private constructor(
    readonly expiresAt: number,
    private readonly clientSignal?: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.abort('deadline', new DOMException('request deadline exceeded', 'TimeoutError')), expiresAt - Date.now());
    this.timer.unref();
    // A client that left while the perimeter ran is gone already: nothing is executed for it.
    if (clientSignal?.aborted) this.clientLeft(clientSignal.reason);
    else clientSignal?.addEventListener('abort', this.onClientAbort, { once: true });
  }

  /** `clientSignal` aborts when the client goes away; the deadline aborts then too. */
  static after(ms: number, clientSignal?: AbortSignal): Deadline {
    return new Deadline(Date.now() + ms, clientSignal);
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  /** True once the deadline has passed or the client has gone. */
  get aborted(): boolean {
    return this.abortedBy !== undefined;
  }

  /** Why it aborted: a TimeoutError or AbortError DOMException. */
  get reason(): unknown {
    return this.abortReason;
  }

  /**
   * Tells `listener` once when the deadline passes or the client goes away (at once if that has
   * happened). A call that finishes first must `unlisten`.
   */
  listen(listener: AbortListener): void {
    if (this.abortedBy) listener.deadlineAborted(this.abortReason);
    else (this.listeners ??= new Set()).add(listener);
  }

  unlisten(listener: AbortListener): void {
    this.listeners?.delete(listener);
  }

  /** An AbortSignal that aborts with the deadline, made on first use. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedBy) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /**
   * The client went away: every call still running is aborted. (For servers that learn it from a
   * socket event rather than a signal.)
   */
  clientLeft(reason: unknown = new DOMException('the client went away', 'AbortError')): void {
    this.abort('client', reason);
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

  private abort(by: 'deadline' | 'client', reason: unknown): void {
    if (this.abortedBy) return;
    this.abortedBy = by;
    this.abortReason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener.deadlineAborted(reason);
    this.controller?.abort(reason);
  }
}

