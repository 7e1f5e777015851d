import { toBilling } from '../../mappers/account.ts';
import type { AccountResolvers } from '../../generated/resolvers.generated.ts';

export const billing: AccountResolvers['billing'] = async (_, __, { loaders }) => toBilling(await loaders.billing());
