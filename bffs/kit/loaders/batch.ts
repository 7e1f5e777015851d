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
