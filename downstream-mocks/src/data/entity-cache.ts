import { createHash } from 'node:crypto';
import { pickFields } from '../http/validate.ts';

/** Distinct sparse fieldsets kept per cache; past this, sparse answers are built but not kept. */
const MAX_FIELDSETS = 64;

/**
 * Generated entities, each made once and kept with its JSON, plus the JSON of each sparse
 * fieldset asked for. The mocks must never be a benchmark's bottleneck, and re-generating or
 * re-parsing a 5 KB title on every read made them one. Callers must not mutate what `get` returns.
 */
export class EntityCache<T extends object> {
  private readonly entities = new Map<number, { value: T; json: string }>();
  private readonly sparse = new Map<string, Map<number, string>>();
  private readonly tags = new Map<string, Map<number, string>>();

  constructor(private readonly generate: (n: number) => T) {}

  get(n: number): T {
    return this.entry(n).value;
  }

  /** The entity's JSON, or only `id` and `fields` of it. */
  json(n: number, fields?: readonly string[]): string {
    if (!fields) return this.entry(n).json;
    const key = fields.join(',');
    let byEntity = this.sparse.get(key);
    const cached = byEntity?.get(n);
    if (cached !== undefined) return cached;
    const text = JSON.stringify(pickFields(this.get(n), [...fields]));
    if (!byEntity && this.sparse.size < MAX_FIELDSETS) this.sparse.set(key, (byEntity = new Map()));
    byEntity?.set(n, text);
    return text;
  }

  /**
   * A strong entity tag (RFC 9110 §8.8.3) of exactly what `json(n, fields)` returns: a digest of
   * its bytes, so a representation that changes gets a new tag, and one fieldset's tag never
   * validates another's. Kept like the JSON, as every batch sends one per title.
   */
  tag(n: number, fields?: readonly string[]): string {
    const key = fields ? fields.join(',') : '';
    let byEntity = this.tags.get(key);
    const cached = byEntity?.get(n);
    if (cached !== undefined) return cached;
    const tag = `"${createHash('sha1').update(this.json(n, fields)).digest('base64url')}"`;
    if (!byEntity && this.tags.size < MAX_FIELDSETS) this.tags.set(key, (byEntity = new Map()));
    byEntity?.set(n, tag);
    return tag;
  }

  private entry(n: number) {
    let entry = this.entities.get(n);
    if (!entry) {
      const value = this.generate(n);
      this.entities.set(n, (entry = { value, json: JSON.stringify(value) }));
    }
    return entry;
  }
}
