import type { Resolvers } from '../generated/resolvers.generated.ts';
import { home } from './Query/home.ts';
import { title } from './Query/title.ts';
import { profile } from './Home/profile.ts';
import { ambientModeEnabled } from './Home/ambientModeEnabled.ts';
import { drmSystem } from './Home/drmSystem.ts';
import { hero } from './Home/hero.ts';
import { rows } from './Home/rows.ts';
import { drmLicenseUrl } from './RowItem/drmLicenseUrl.ts';

export const resolvers: Resolvers = {
  Query: { home, title },
  Home: { profile, ambientModeEnabled, drmSystem, hero, rows },
  RowItem: { drmLicenseUrl },
};
