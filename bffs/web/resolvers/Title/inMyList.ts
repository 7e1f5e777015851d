import { isInMyList } from '../../../kit/index.ts';
import type { TitleResolvers } from '../../generated/resolvers.generated.ts';

export const inMyList: TitleResolvers['inMyList'] = (title, _, context) => isInMyList(context, title.id);
