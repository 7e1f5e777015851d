/**
 * Deterministic randomness. Every entity draws from its own generator, seeded by the global
 * seed and the entity's key, so any entity can be generated alone, lazily, in any order, and
 * the same seed always yields the same bytes.
 */
export const DEFAULT_SEED = 42;

/** Generated dates are spread back from this instant, so data does not drift with the wall clock. */
export const DATA_EPOCH = Date.UTC(2026, 10, 1); // 2026-11-01T00:00:00Z

const DAY_MS = 86_400_000;

export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MOCKS_SEED;
  if (raw === undefined) return DEFAULT_SEED;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`MOCKS_SEED must be an integer, got "${raw}"`);
  return seed;
}

/** FNV-1a: a stable 32-bit hash of the key. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Random {
  private state: number;

  constructor(seed: number, key: string) {
    this.state = hash(`${seed}:${key}`) || 1;
  }

  /** mulberry32: small, fast and good enough for fake data. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }

  /** An instant between `maxDaysAgo` and `minDaysAgo` days before the data epoch. */
  pastDate(minDaysAgo: number, maxDaysAgo: number): Date {
    const days = minDaysAgo + this.next() * (maxDaysAgo - minDaysAgo);
    return new Date(Math.floor((DATA_EPOCH - days * DAY_MS) / 1000) * 1000);
  }

  sentence(words: readonly string[], min: number, max: number): string {
    const text = Array.from({ length: this.int(min, max) }, () => this.pick(words)).join(' ');
    return text.charAt(0).toUpperCase() + text.slice(1) + '.';
  }
}

export const isoDate = (date: Date) => date.toISOString().slice(0, 10);
export const isoInstant = (date: Date) => date.toISOString();
