import type { Account, FindAccount } from 'oidc-provider';
import { USER_COUNT, generateUser, userNumber } from '../../data/users.ts';

/** Every seeded user signs in with this password, outside production. */
export const DEV_PASSWORD = 'dev-password';

export type LoginResult = { ok: true; accountId: string } | { ok: false; message: string };

/**
 * The login check of the provider's own login page. The users are the seeded `u_1`…`u_1000`,
 * all with one development password; under NODE_ENV=production that password is refused, so a
 * deployment of the mocks can never be signed into with a password that is in the README. The
 * provider itself still runs there (discovery, JWKS, token verification keep working).
 */
export function checkLogin(username: string, password: string, { production }: { production: boolean }): LoginResult {
  const accountId = username.trim();
  if (userNumber(accountId) === undefined) {
    return { ok: false, message: `Unknown user "${accountId}": users are u_1…u_${USER_COUNT}.` };
  }
  if (password !== DEV_PASSWORD) return { ok: false, message: 'Wrong password.' };
  if (production) {
    return { ok: false, message: 'The development password is refused when NODE_ENV=production: this deployment has no sign-in.' };
  }
  return { ok: true, accountId };
}

/**
 * The provider's account lookup. Claims come from the same generated users as the users
 * service's, so `name` in an ID token is the profile name that service returns.
 */
export function findAccountFor(seed: number): FindAccount {
  return (_ctx, sub): Account | undefined => {
    const n = userNumber(sub);
    if (n === undefined) return undefined;
    return {
      accountId: sub,
      claims: () => {
        const user = generateUser(seed, n);
        return { sub, name: user.profile.name || `User ${n}`, email: user.email, email_verified: user.emailVerified };
      },
    };
  };
}
