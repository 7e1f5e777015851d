import { toAccount } from '../../mappers/account.ts';
import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

export const account: QueryResolvers['account'] = async (_, __, { loaders }) => toAccount(await loaders.viewer());
