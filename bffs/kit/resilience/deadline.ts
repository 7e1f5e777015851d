/**
 * The time a request has left. Created when the request arrives; every downstream call asks it
 * how long it may take, so no call outlives its request.
 */
export class Deadline {
  readonly signal: AbortSignal;

  private constructor(
    readonly expiresAt: number,
    signal: AbortSignal,
  ) {
    this.signal = signal;
  }

  /** `clientSignal` aborts when the client goes away; the deadline signal aborts then too. */
  static after(ms: number, clientSignal?: AbortSignal): Deadline {
    const timeout = AbortSignal.timeout(ms);
    return new Deadline(Date.now() + ms, clientSignal ? AbortSignal.any([clientSignal, timeout]) : timeout);
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  get expired(): boolean {
    return this.remainingMs() === 0 || this.signal.aborted;
  }
}
