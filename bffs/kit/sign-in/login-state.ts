import type { TokenCipher } from '../stores/sessions/token-cipher.ts';

/** What `/auth/login` hands `/auth/callback` through the browser, sealed so it can be neither read nor forged. */
export interface LoginState {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** ms since the epoch */
  startedAt: number;
}

/** A sign-in left this long at the provider must start again. */
export const LOGIN_TTL_SECONDS = 600;
/** The associated data of every sealed login state: a sealed token from a session record does not open as one. */
const PURPOSE = 'concierge-login-state';

export function sealLoginState(cipher: TokenCipher, state: LoginState): string {
  return cipher.seal(JSON.stringify(state), PURPOSE);
}

/** The state, or undefined when missing, tampered with, sealed under another key, or too old. */
export function openLoginState(cipher: TokenCipher, sealed: string | undefined, now: number): LoginState | undefined {
  if (!sealed) return undefined;
  try {
    const state = JSON.parse(cipher.open(sealed, PURPOSE)) as LoginState;
    return now - state.startedAt <= LOGIN_TTL_SECONDS * 1000 ? state : undefined;
  } catch {
    return undefined;
  }
}
