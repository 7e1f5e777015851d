import type { GraphQLError } from 'graphql';
import { concierge } from '../errors.ts';
import { InFlightCounts } from './in-flight.ts';

export const DEFAULT_LIVE_CONNECTIONS_PER_VIEWER = 8;
export const DEFAULT_LIVE_CONNECTIONS_PER_ADDRESS = 64;

/**
 * The live connections open at this replica, WebSockets and SSE subscriptions alike, at most so
 * many per viewer and per client address: a live connection holds memory and a socket for as
 * long as it stays open, so one viewer or one address cannot take them all (TOO_MANY_CONNECTIONS).
 */
export class LiveConnections {
  private readonly viewers: InFlightCounts;
  private readonly addresses: InFlightCounts;
  private count = 0;

  constructor(perViewer = DEFAULT_LIVE_CONNECTIONS_PER_VIEWER, perAddress = DEFAULT_LIVE_CONNECTIONS_PER_ADDRESS) {
    this.viewers = new InFlightCounts(perViewer);
    this.addresses = new InFlightCounts(perAddress);
  }

  /** Open now, at this replica (a gauge). */
  get open(): number {
    return this.count;
  }

  /** One more for the viewer and the address: its idempotent release, or the refusal. */
  take(viewerId: string, address: string): { release: () => void; refused?: undefined } | { refused: GraphQLError; release?: undefined } {
    if (!this.addresses.tryAcquire(address)) return { refused: tooMany('ip', this.addresses.max) };
    if (!this.viewers.tryAcquire(viewerId)) {
      this.addresses.release(address);
      return { refused: tooMany('viewer', this.viewers.max) };
    }
    this.count++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.count--;
        this.viewers.release(viewerId);
        this.addresses.release(address);
      },
    };
  }
}

const tooMany = (limit: 'viewer' | 'ip', max: number) =>
  concierge('TOO_MANY_CONNECTIONS', `This ${limit === 'ip' ? 'address' : 'viewer'} already holds ${max} live connections at this replica: share one connection across subscriptions.`, { limit, max }, { headers: { 'retry-after': '5' } });
