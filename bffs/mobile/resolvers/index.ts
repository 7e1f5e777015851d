import { addToMyList, removeFromMyList } from '../../kit/index.ts';
import type { Resolvers } from '../generated/resolvers.generated.ts';
import { home } from './Query/home.ts';
import { title } from './Query/title.ts';
import { profile } from './Home/profile.ts';
import { downloadEnabled } from './Home/downloadEnabled.ts';
import { unreadNotificationCount } from './Home/unreadNotificationCount.ts';
import { rows } from './Home/rows.ts';
import { inMyList } from './TitleDetail/inMyList.ts';

export const resolvers: Resolvers = {
  Query: { home, title },
  Mutation: { addToMyList, removeFromMyList },
  Home: { profile, downloadEnabled, unreadNotificationCount, rows },
  TitleDetail: { inMyList },
};
