/**
 * Credentials as each app gets them, against the cluster: mobile bearer tokens of the mobile
 * audience (what the app's own code + PKCE sign-in yields; minted here at identity's development
 * `POST /dev/token`, since a native app's sign-in adds nothing the BFF sees), a web cookie session
 * made by signing in through HAProxy (/auth/login, the provider's login page, /auth/callback), and
 * a TV device session (POST /auth/device through HAProxy, approved on the provider's pages as a
 * phone would, then POST /auth/device/token).
 */
import { readdirSync } from 'node:fs';
import semver from 'semver';
import type { ClientName } from '../../bffs/clients.ts';
import { Browser, formOf } from '../../test/support/oidc-browser.ts';

export const SESSION_COOKIE = '__Host-concierge-session';
export const DEV_PASSWORD = 'dev-password';

/** The newest recorded release of a client: the version its app sends as `x-client-version`. */
export function currentVersion(client: ClientName): string {
  const versions = readdirSync(new URL(`../../bffs/${client}/releases/`, import.meta.url)).filter((name) => semver.valid(name));
  const newest = versions.sort(semver.rcompare)[0];
  if (!newest) throw new Error(`no release recorded for ${client}`);
  return newest;
}

export async function mobileToken(identity: string, sub: string): Promise<string> {
  const res = await fetch(`${identity}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, aud: 'mobile', ttlSeconds: 86_400 }),
  });
  if (!res.ok) throw new Error(`minting a mobile token for ${sub}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface WebSignIn {
  sessionId: string;
  /** Which replica answered /auth/login and which /auth/callback (HAProxy's x-served-by). */
  servedBy: { login?: string; callback?: string };
}

/** A browser's sign-in through HAProxy's web front; resolves with the session cookie's value. */
export async function signInWeb(front: string, username: string): Promise<WebSignIn> {
  const browser = new Browser();
  const callbackUrl = `${front}/auth/callback`;
  const login = await browser.request(`${front}/auth/login?returnTo=${encodeURIComponent('/')}`);
  if (login.status !== 302 && login.status !== 303) throw new Error(`/auth/login answered ${login.status}: ${login.text.slice(0, 300)}`);
  const page = await browser.follow(login, callbackUrl);
  if (page.status !== 200) throw new Error(`no login page: ${page.status} ${page.text.slice(0, 300)}`);
  const toCallback = await browser.submit(page, { username, password: DEV_PASSWORD }, { stopAt: callbackUrl });
  if (!toCallback.location?.startsWith(callbackUrl)) throw new Error(`the provider did not send the browser back: ${toCallback.status} ${toCallback.text.slice(0, 300)}`);
  const callback = await browser.request(toCallback.location);
  const line = callback.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
  const sessionId = line?.slice(SESSION_COOKIE.length + 1).split(';')[0];
  if (!sessionId) throw new Error(`/auth/callback made no session: ${callback.status} ${callback.text.slice(0, 300)}`);
  return { sessionId, servedBy: { login: login.headers.get('x-served-by') ?? undefined, callback: callback.headers.get('x-served-by') ?? undefined } };
}

interface DeviceCode {
  user_code: string;
  verification_uri_complete: string;
  interval: number;
  poll_id: string;
}

const postJson = async (url: string, body?: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, body: (text ? JSON.parse(text) : {}) as any };
};

/** A TV's device sign-in through HAProxy's TV front; resolves with the session token. */
export async function signInTv(front: string, username: string, label = 'Cluster TV'): Promise<string> {
  const asked = await postJson(`${front}/auth/device`, { label });
  if (asked.status !== 200) throw new Error(`POST /auth/device answered ${asked.status}: ${asked.text.slice(0, 300)}`);
  const device = asked.body as DeviceCode;
  // The person, on a phone: the complete verification URI, confirm the code, sign in.
  const browser = new Browser();
  const confirm = await browser.submit(await browser.get(device.verification_uri_complete));
  const login = await browser.submit(confirm, {}, { id: 'op.deviceConfirmForm' });
  const done = await browser.submit(login, { username, password: DEV_PASSWORD });
  if (!/Device connected/i.test(done.text)) {
    const form = /<form\b/i.test(done.text) ? JSON.stringify(formOf(done).fields) : '';
    throw new Error(`the device approval did not finish: ${done.status} ${form} ${done.text.slice(0, 300)}`);
  }
  // The TV polls; right after the approval one poll is usually enough, else it waits `interval`.
  for (let attempt = 0; attempt < 10; attempt++) {
    const polled = await postJson(`${front}/auth/device/token`, { poll_id: device.poll_id });
    if (polled.status === 200) return polled.body.session_token as string;
    const error = polled.body.error as string | undefined;
    if (error !== 'authorization_pending' && error !== 'slow_down') throw new Error(`POST /auth/device/token answered ${polled.status}: ${polled.text.slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, (polled.body.interval ?? device.interval ?? 1) * 1_000));
  }
  throw new Error('the device sign-in did not complete after 10 polls');
}
