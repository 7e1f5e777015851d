import type DataLoader from 'dataloader';
import { concierge } from '../errors.ts';

/** Loads one title through the request's batch, or fails the field with NOT_FOUND. */
export async function loadTitleOrNotFound<T>(titles: DataLoader<string, T | null>, id: string): Promise<T> {
  const title = await titles.load(id);
  if (!title) throw concierge('NOT_FOUND', `Title ${id} does not exist.`, { id });
  return title;
}
