import { addToMyList, removeFromMyList } from '../../kit/index.ts';
import type { Resolvers } from '../generated/resolvers.generated.ts';
import { home } from './Query/home.ts';
import { title } from './Query/title.ts';
import { account } from './Query/account.ts';
import { search } from './Query/search.ts';
import { hero } from './Home/hero.ts';
import { rows } from './Home/rows.ts';
import { averageRating as rowItemAverageRating } from './RowItem/averageRating.ts';
import { progressPercent } from './RowItem/progressPercent.ts';
import { inMyList as rowItemInMyList } from './RowItem/inMyList.ts';
import { averageRating as titleAverageRating } from './Title/averageRating.ts';
import { inMyList as titleInMyList } from './Title/inMyList.ts';
import { reviews } from './Title/reviews.ts';
import { billing } from './Account/billing.ts';
import { devices } from './Account/devices.ts';
import { signOutDevice } from './Mutation/signOutDevice.ts';
import { LiveUpdates } from './LiveUpdates/index.ts';

export const resolvers: Resolvers = {
  Query: { home, title, account, search },
  Mutation: { addToMyList, removeFromMyList, signOutDevice },
  LiveUpdates,
  Home: { hero, rows },
  RowItem: { averageRating: rowItemAverageRating, progressPercent, inMyList: rowItemInMyList },
  Title: { averageRating: titleAverageRating, inMyList: titleInMyList, reviews },
  Account: { billing, devices },
};
