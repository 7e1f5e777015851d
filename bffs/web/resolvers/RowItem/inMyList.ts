import { isInMyList } from '../../../kit/resolvers/my-list.ts';
import type { RowItemResolvers } from '../../generated/resolvers.generated.ts';

export const inMyList: RowItemResolvers['inMyList'] = (item, _, context) => isInMyList(context, item.id);
