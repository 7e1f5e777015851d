import type { Dispatcher } from 'undici';
import type { AbortListener, Deadline } from '../resilience/deadline.ts';

export interface Exchanged {
  statusCode: number;
  /** The whole response body. */
  body: Buffer;
  /** A response header by lower-case name (the first, if repeated). */
  header(name: string): string | undefined;
}

/**
 * One HTTP exchange on an undici dispatcher, with the response body gathered into one Buffer,
 * ended when the request's deadline passes or its client goes away.
 *
 * Written on `dispatch` rather than `request()` because every response here is read whole and
 * parsed at once: `request()` wraps each body in a Readable stream and a consumer, which the
 * profile showed as a visible share of the BFF's CPU per home (six responses each). The timeouts
 * are undici's own; only the abort is ours, because `dispatch` takes no signal.
 *
 * `limitMs` (a non-critical read's budget) ends the exchange that long from now, whatever it is
 * doing. undici's headers and body timeouts cannot: they start once the request has a socket and
 * restart with every chunk, so a call queued behind a hanging service's busy sockets, or a body
 * that trickles, would outlive its budget.
 */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, deadline: Deadline, limitMs?: number): Promise<Exchanged> {
  if (deadline.aborted) return Promise.reject(deadline.reason);
  return new Promise((resolve, reject) => {
    const collector = new BodyCollector(deadline, resolve, reject);
    deadline.listen(collector);
    if (limitMs !== undefined) collector.limit(limitMs);
    dispatcher.dispatch(options, collector);
  });
}

/**
 * The handler of one exchange: one object per call, no closures (this runs six times per home).
 * It speaks undici's original callback interface (onConnect, onHeaders, ...): what undici 7's
 * clients call natively (handlers of the newer interface are wrapped into it) and the only one
 * its MockAgent calls, so unit tests and production run this same code.
 */
class BodyCollector implements Dispatcher.DispatchHandler, AbortListener, Exchanged {
  statusCode = 0;
  body: Buffer = EMPTY;
  private rawHeaders: (Buffer | string)[] = [];
  private chunks: Buffer[] = [];
  private abortCall: ((reason?: Error) => void) | undefined;
  private settled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deadline: Deadline,
    private readonly resolve: (value: Exchanged) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  onConnect(abort: (reason?: Error) => void): void {
    this.abortCall = abort;
    // The deadline passed while the call was queued for a socket: it has failed already.
    if (this.settled) abort(this.deadline.reason as Error);
  }

  onHeaders(statusCode: number, rawHeaders: (Buffer | string)[] | null): boolean {
    this.statusCode = statusCode;
    this.rawHeaders = rawHeaders ?? [];
    this.chunks = []; // a 1xx before the final response has no body of its own
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    if (this.settle()) this.resolve(this);
  }

  onError(error: Error): void {
    if (this.settle()) this.reject(error);
  }

  /** Ends the exchange after `ms` with a TimeoutError, as the deadline would. */
  limit(ms: number): void {
    this.timer = setTimeout(() => this.deadlineAborted(new DOMException(`no answer within ${Math.round(ms)} ms`, 'TimeoutError')), ms);
    this.timer.unref();
  }

  /** The request's deadline passed, its client went away, or the call's limit is up. */
  deadlineAborted(reason: unknown): void {
    this.abortCall?.(reason as Error);
    if (this.settle()) this.reject(reason);
  }

  header(name: string): string | undefined {
    // Raw headers are [name, value, name, value, ...]; read only on the rare path that needs one.
    const raw = this.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]!.toString().toLowerCase() === name) return raw[i + 1]!.toString();
    }
    return undefined;
  }

  /** True the first time: the call ends once, whichever of response, error or deadline is first. */
  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.deadline.unlisten(this);
    if (this.timer) clearTimeout(this.timer);
    return true;
  }
}

const EMPTY = Buffer.alloc(0);
