import DataLoader from 'dataloader';

/**
 * A per-request DataLoader over a batch endpoint that answers in the order asked, `null` for
 * unknown keys. `maxBatchSize` is the endpoint's own limit, so a screen with more keys than
 * that costs ceil(keys / limit) calls and never a 400.
 */
export function batchLoader<V>(fetchBatch: (keys: readonly string[]) => Promise<(V | null)[]>, maxBatchSize: number) {
  return new DataLoader<string, V | null>(
    async (keys) => {
      const values = await fetchBatch(keys);
      if (values.length !== keys.length) {
        throw new Error(`batch answered ${values.length} values for ${keys.length} keys`);
      }
      return values;
    },
    { maxBatchSize },
  );
}

/** A value fetched at most once per request, however many resolvers ask for it. */
export function once<T>(fetch: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => (pending ??= fetch());
}

/** Like `once`, per key: for look-ups that have no batch endpoint (trending per region). */
export function oncePerKey<T>(fetch: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const pending = new Map<string, Promise<T>>();
  return (key) => {
    let value = pending.get(key);
    if (!value) pending.set(key, (value = fetch(key)));
    return value;
  };
}
