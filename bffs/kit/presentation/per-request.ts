/**
 * Memoizes an async computation per request context. Two resolvers that await the same memo
 * resume in the same tick, so the loads they make land in one DataLoader batch.
 *
 * The memo is kept on the context itself, under a symbol of its own (JSON and Object.keys skip
 * symbols), not in a WeakMap keyed by the context. With the WeakMap (old, while its keys and
 * values were young, and each value, a promise whose work holds the context, reaching its own key)
 * every request's lists outlived the request for the young generation: each scavenge promoted
 * them, and copying them made its pauses long. Measured, not traced in V8's source, with
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
