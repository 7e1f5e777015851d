import { localize } from '../../../kit/index.ts';
import { toBilling } from '../../mappers/account.ts';
import type { AccountResolvers } from '../../generated/resolvers.generated.ts';

export const billing: AccountResolvers['billing'] = async (_, __, context) => {
  const [account, localizer] = await Promise.all([context.loaders.billing(), localize(context)]);
  return toBilling(account, localizer);
};
