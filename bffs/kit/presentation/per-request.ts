/**
 * Memoizes an async computation per request context. Two resolvers that await the same memo
 * resume in the same tick, so the loads they make land in one DataLoader batch.
 */
export function perRequest<C extends object, T>(compute: (context: C) => Promise<T>): (context: C) => Promise<T> {
  const results = new WeakMap<C, Promise<T>>();
  return (context) => {
    let result = results.get(context);
    if (!result) results.set(context, (result = compute(context)));
    return result;
  };
}
