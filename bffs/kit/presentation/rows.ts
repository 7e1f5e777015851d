import type DataLoader from 'dataloader';

/** One row of a screen before presentation: which entries, in which order, how many at most. */
export interface RowPlan<E> {
  id: string;
  /** The row's entries from its own service; it fails alone. */
  entries: PromiseSettledResult<E[]>;
  contentIdOf: (entry: E) => string;
  limit: number;
}

export interface LoadedRow<E, T> {
  id: string;
  items: { entry: E; title: T }[];
}

/**
 * Loads the titles of every row in one tick, so all rows share one catalog batch. A row whose
 * source failed, or whose titles could not be loaded, becomes that Error: in a `[Row]` list it
 * is null with the error's code at its path, and the other rows stand. Unknown titles are
 * dropped, and so are rows left empty.
 */
export async function loadRows<T>(titles: DataLoader<string, T | null>, plans: RowPlan<any>[]): Promise<(LoadedRow<any, T> | Error)[]> {
  const loaded = plans.map(async (plan): Promise<LoadedRow<unknown, T> | Error | undefined> => {
    if (plan.entries.status === 'rejected') return toError(plan.entries.reason);
    const entries = plan.entries.value.slice(0, plan.limit);
    // `load` per key rather than `loadMany`, which wraps every key's promise once more to turn
    // failures into values: a failed catalog batch fails every key of the row alike anyway.
    let results: (T | null)[];
    try {
      results = await Promise.all(entries.map((entry) => titles.load(plan.contentIdOf(entry))));
    } catch (error) {
      return toError(error);
    }
    const items: { entry: unknown; title: T }[] = [];
    for (let i = 0; i < entries.length; i++) if (results[i]) items.push({ entry: entries[i], title: results[i]! });
    return items.length === 0 ? undefined : { id: plan.id, items };
  });
  return (await Promise.all(loaded)).filter((row) => row !== undefined);
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/**
 * graphql-js completes an Error item of a nullable list as null with that error at its path.
 * Resolver types do not model that, so rows cross this one typed bridge.
 */
export const withFailedRowsAsNull = <R>(rows: (R | Error)[]): R[] => rows as R[];
