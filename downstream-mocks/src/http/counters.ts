/** Request counts per route template (`GET /users/{id}`), read and reset through the admin routes. */
export class RequestCounters {
  private counts = new Map<string, number>();

  increment(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): { total: number; routes: Record<string, number> } {
    const routes = Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
    const total = [...this.counts.values()].reduce((sum, n) => sum + n, 0);
    return { total, routes };
  }

  reset(): void {
    this.counts.clear();
  }
}
