import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

/** Home's fields resolve on their own, so a document pays only for what it selects. */
export const home: QueryResolvers['home'] = () => ({});
