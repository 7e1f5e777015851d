import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

export const home: QueryResolvers['home'] = () => ({});
