import { isInMyList } from '../../../kit/index.ts';
import type { RowItemResolvers } from '../../generated/resolvers.generated.ts';

export const inMyList: RowItemResolvers['inMyList'] = (item, _, context) => isInMyList(context, item.id);
