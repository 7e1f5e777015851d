import { olderThanDays } from '../../kit/index.ts';
import type { Profile } from '../generated/resolvers.generated.ts';
import type { MobileViewer } from '../needs.ts';

/** Apps re-register for push when the token is this old. */
export const PUSH_TOKEN_MAX_AGE_DAYS = 30;

export const toProfile = (user: MobileViewer, now: Date): Profile => ({
  name: user.profile.name,
  avatarUrl: user.profile.avatarUrl,
  shouldRefreshPushToken: user.pushToken === null || olderThanDays(user.pushToken.updatedAt, now, PUSH_TOKEN_MAX_AGE_DAYS),
});
