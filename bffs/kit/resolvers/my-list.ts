import type { GraphQLError } from 'graphql';
import { ERRORS, concierge, hasCode, type ErrorCode } from '../errors.ts';
import type { CallContext, ServiceClients } from '../downstream/index.ts';
import type { Viewer } from '../core/viewer.ts';

/** The part of any BFF's context the my-list resolvers use. */
export interface MyListContext {
  viewer: Viewer;
  call: CallContext;
  services: ServiceClients;
  loaders: { myList(): Promise<string[]> };
}

export interface MyListUpdate {
  contentId: string;
  inMyList: boolean;
  changed: boolean;
}

/**
 * The my-list mutations, the same for every client that has them. The service is idempotent,
 * so a retried mutation never duplicates; an unknown title is refused there and reported here
 * as NOT_FOUND with the list unchanged. Any other failure says the change did not happen.
 */
async function change(context: MyListContext, contentId: string, action: 'add' | 'remove'): Promise<MyListUpdate> {
  try {
    const result = await context.services.myList[action](context.call, context.viewer.id, contentId);
    return { contentId: result.contentId, inMyList: result.inList, changed: result.changed };
  } catch (error) {
    // Refused before any call (an id outside the id alphabet, downstream/path.ts): nothing changed.
    if (hasCode(error, 'BAD_USER_INPUT')) throw error;
    if (hasCode(error, 'NOT_FOUND')) {
      throw concierge('NOT_FOUND', `Title ${contentId} does not exist; my list was not changed.`, { contentId });
    }
    // The change may or may not have been applied; the service is idempotent, so a retry is safe.
    const { code, service } = (error as GraphQLError).extensions ?? {};
    if (typeof code === 'string' && code in ERRORS) {
      throw concierge(code as ErrorCode, `My list could not be confirmed changed (${(error as Error).message}); retrying is safe.`, { contentId, service });
    }
    throw error;
  }
}

export const addToMyList = (_: unknown, { contentId }: { contentId: string }, context: MyListContext) => change(context, contentId, 'add');
export const removeFromMyList = (_: unknown, { contentId }: { contentId: string }, context: MyListContext) =>
  change(context, contentId, 'remove');

/** True when the title is in the viewer's list; one my-list call per request, however many ask. */
export async function isInMyList(context: MyListContext, contentId: string): Promise<boolean> {
  return (await context.loaders.myList()).includes(contentId);
}
