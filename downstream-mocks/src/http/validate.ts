import { badRequest } from './errors.ts';

export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('VALIDATION_FAILED', 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** A list of 1..max string ids under `key`, as the batch endpoints take. */
export function requireIdList(body: unknown, key: string, max: number): string[] {
  const ids = requireObject(body)[key];
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
    throw badRequest('VALIDATION_FAILED', `${key} must be an array of strings`);
  }
  if (ids.length === 0 || ids.length > max) {
    throw badRequest('BATCH_SIZE_INVALID', `${key} must hold 1 to ${max} ids, got ${ids.length}`);
  }
  return ids as string[];
}

/**
 * Sparse fieldsets: `?fields=a,b` or `"fields": ["a","b"]` names top-level fields. Undefined
 * means every field. An unknown name is a 400, so a typo cannot silently drop data.
 */
export function parseFields(raw: unknown, allowed: ReadonlySet<string>): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = typeof raw === 'string' ? raw.split(',').map((f) => f.trim()).filter(Boolean) : raw;
  if (!Array.isArray(list) || list.length === 0 || list.some((f) => typeof f !== 'string')) {
    throw badRequest('VALIDATION_FAILED', 'fields must be a non-empty list of field names');
  }
  const unknown = list.filter((f) => !allowed.has(f as string));
  if (unknown.length > 0) throw badRequest('UNKNOWN_FIELDS', `unknown fields: ${unknown.join(', ')}`);
  return list as string[];
}

export function pickFields<T extends object>(record: T, fields: string[] | undefined): Partial<T> {
  if (!fields) return record;
  const picked: Record<string, unknown> = { id: (record as Record<string, unknown>).id };
  for (const field of fields) picked[field] = (record as Record<string, unknown>)[field];
  return picked as Partial<T>;
}

/** `limit` within 1..max (default `fallback`). */
export function parseLimit(raw: string | null, fallback: number, max: number): number {
  if (raw === null) return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw badRequest('VALIDATION_FAILED', `limit must be an integer from 1 to ${max}`);
  }
  return limit;
}

/** Cursors are opaque to callers: base64url of an offset. */
export const encodeCursor = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');

export function decodeCursor(raw: string | null): number {
  if (raw === null || raw === '') return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!m) throw badRequest('INVALID_CURSOR', 'cursor is not valid');
  return Number(m[1]);
}
