/**
 * Request counts per route template (`GET /users/{id}`), read and reset through the admin routes.
 * A route may also count finer `details` under its key (identity counts `POST /token` per grant
 * type: `POST /token grant_type=refresh_token`), so a test can tell a refresh from a code
 * exchange. `details` is in the snapshot only once something was counted there, and is not
 * part of `total`.
 */
export class RequestCounters {
  private counts = new Map<string, number>();
  private details = new Map<string, number>();

  increment(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  incrementDetail(key: string): void {
    this.details.set(key, (this.details.get(key) ?? 0) + 1);
  }

  snapshot(): { total: number; routes: Record<string, number>; details?: Record<string, number> } {
    const sorted = (map: Map<string, number>) => Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
    const total = [...this.counts.values()].reduce((sum, n) => sum + n, 0);
    return this.details.size === 0 ? { total, routes: sorted(this.counts) } : { total, routes: sorted(this.counts), details: sorted(this.details) };
  }

  reset(): void {
    this.counts.clear();
    this.details.clear();
  }
}
