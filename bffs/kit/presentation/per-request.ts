/**
 * Memoizes an async computation per request context. Two resolvers that await the same memo
 * resume in the same tick, so the loads they make land in one DataLoader batch.
 *
 * The memo is kept on the context itself, under a symbol of its own (JSON and Object.keys skip
 * symbols), not in a WeakMap keyed by the context. The WeakMap is old, so for a young-generation
 * collection its values are roots, and this value (a promise whose work holds the context) keeps
 * its own key alive: every request's lists outlived the request until the next full collection,
 * so each scavenge promoted them, and copying them made its pauses long. Measured with
 * `BENCH_CONNECTIONS=8 BENCH_NODE_FLAGS=--trace-gc-nvp BENCH_SERVER_STDOUT=1 npm run bench:cpu`
 * and bench/gc-per-process.ts: promoted per scavenge fell from 568 KB to 336 KB (uncached) and from
 * 961 KB to 444 KB (title cache on).
 */
export function perRequest<C extends object, T>(compute: (context: C) => Promise<T>): (context: C) => Promise<T> {
  const memo = Symbol('per-request memo');
  return (context) => {
    const held = context as C & { [memo]?: Promise<T> };
    return (held[memo] ??= compute(context));
  };
}
