import type { MutationResolvers } from '../../generated/resolvers.generated.ts';

/**
 * Ends one of the viewer's TV sessions. Like the my-list mutations, a request that changes
 * nothing succeeds and says so (signedOut: false) rather than failing: a retry after a lost
 * answer is safe, and an unknown id, an ended session and another account's TV look the same, so
 * the answer tells nobody whether someone else's TV exists.
 */
export const signOutDevice: MutationResolvers['signOutDevice'] = async (_, { id }, { devices }) => ({ id, signedOut: await devices.signOut(id) });
