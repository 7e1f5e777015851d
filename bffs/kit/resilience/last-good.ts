import { LRUCache } from 'lru-cache';

export interface LastGoodOptions {
  /** A value older than this is never served. */
  maxAgeSeconds: number;
  /** Values kept over all viewers; the least recently used go first. */
  maxEntries: number;
  /** @default Date.now (the real clock: ages are told to clients, and a bound is real time) */
  now?: () => number;
}

/** A value a viewer was served, and when (ms since the epoch, on the store's clock). */
interface Kept {
  value: unknown;
  at: number;
}

/** What one request may read and write: its own viewer's values, and nobody else's. */
export interface ViewerLastGood {
  /** The viewer's last good value under `key` and its age, if it is younger than the bound. */
  recall(key: string): { value: unknown; ageMs: number } | undefined;
  remember(key: string, value: unknown): void;
}

/**
 * The last good value of each stale-if-error field (stale-if-error.ts), per viewer, in memory
 * and bounded: an LRU of `maxEntries` values, each served for at most `maxAgeSeconds`.
 *
 * A request gets `forViewer(viewer.id)`, a view bound to the viewer the perimeter verified, so
 * no resolver can name another viewer's values: the viewer is part of every key, length-prefixed
 * so that no id and field key can spell another viewer's entry.
 */
export class LastGoodStore {
  private readonly cache: LRUCache<string, Kept>;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor({ maxAgeSeconds, maxEntries, now = Date.now }: LastGoodOptions) {
    this.cache = new LRUCache({ max: maxEntries });
    this.maxAgeMs = maxAgeSeconds * 1000;
    this.now = now;
  }

  forViewer(viewerId: string): ViewerLastGood {
    const prefix = `${viewerId.length}:${viewerId}:`;
    return {
      recall: (key) => this.recall(prefix + key),
      remember: (key, value) => {
        this.cache.set(prefix + key, { value, at: this.now() });
      },
    };
  }

  /** Values held now, over all viewers (for tests and metrics). */
  get size(): number {
    return this.cache.size;
  }

  private recall(key: string): { value: unknown; ageMs: number } | undefined {
    const kept = this.cache.get(key);
    if (!kept) return undefined;
    const ageMs = Math.max(0, this.now() - kept.at);
    if (ageMs >= this.maxAgeMs) {
      this.cache.delete(key);
      return undefined;
    }
    return { value: kept.value, ageMs };
  }
}
