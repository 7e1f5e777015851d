import { isInMyList } from '../../../kit/index.ts';
import type { TitleDetailResolvers } from '../../generated/resolvers.generated.ts';

export const inMyList: TitleDetailResolvers['inMyList'] = (parent, _, context) => isInMyList(context, parent.id);
