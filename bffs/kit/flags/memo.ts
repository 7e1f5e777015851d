import { LRUCache } from 'lru-cache';

export interface EvaluationMemoOptions {
  /** Targeting contexts kept (one entry per operation and context). @default 10_000 */
  max?: number;
  /** The longest an entry is trusted, for a provider that does not announce its changes. @default 60_000 */
  ttlMs?: number;
}

/**
 * What an operation's flags evaluated to, kept per targeting context until the definitions change.
 *
 * A flagd evaluation is a pure function of the definitions and the context: the same viewer, app
 * version, locale, country and capabilities get the same variants until the provider says its
 * configuration changed (the wing clears the memo then). The OpenFeature server SDK's call path
 * (its async wrappers, context merges and readiness checks) cost more than flagd's own rules did:
 * in the CPU profile of MobileHome, most of the flags' 3.4% was the SDK's, not flagd-core's. So a
 * viewer's next home reuses the variants instead of asking again.
 *
 * Only clean evaluations are kept: one that served a default because of an error (no file yet, a
 * provider down) is asked again next time. flagd's own RPC provider keeps an LRU of resolutions
 * on the same grounds, for its STATIC flags.
 */
export class EvaluationMemo<T extends object> {
  private readonly entries: LRUCache<string, T>;

  constructor(options: EvaluationMemoOptions = {}) {
    this.entries = new LRUCache<string, T>({ max: options.max ?? 10_000, ttl: options.ttlMs ?? 60_000, ttlAutopurge: false });
  }

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: T): void {
    this.entries.set(key, value);
  }

  /** The definitions changed, or the provider's state did: nothing kept holds any more. */
  clear(): void {
    this.entries.clear();
  }
}
