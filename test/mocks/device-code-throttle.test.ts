/**
 * Identity's device page (`/device`, where a person types the code their TV shows) throttles
 * wrong codes per address: a user code is short, so guessing one must be slow (RFC 8628 §5.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { Browser } from '../support/oidc-browser.ts';

const ATTEMPTS = 3;
const WINDOW_SECONDS = 60;

let mocks: TestMocks;
let tv: client.Configuration;

beforeAll(async () => {
  mocks = await startTestMocks({ DEVICE_USER_CODE_ATTEMPTS: `${ATTEMPTS}/${WINDOW_SECONDS}` });
  tv = await client.discovery(new URL(mocks.urls.identity), 'tv', undefined, client.ClientSecretBasic('concierge-tv-dev-secret'), { execute: [client.allowInsecureRequests] });
});
afterAll(() => mocks?.close());

describe('the device page throttles wrong user codes', () => {
  // First: the next test spends this address's budget.
  it('the right code entered first is not counted: a person who types it correctly each time is never throttled', async () => {
    for (let i = 0; i < ATTEMPTS + 1; i++) {
      const device = await client.initiateDeviceAuthorization(tv, { scope: 'openid concierge:user' });
      const browser = new Browser();
      const confirm = await browser.submit(await browser.get(device.verification_uri_complete!));
      expect(confirm.text).toContain('Confirm the device');
    }
  });

  it(`after ${ATTEMPTS} wrong codes from one address, the next is 429 with a page that says how long to wait, and even the right code is not looked up`, async () => {
    const device = await client.initiateDeviceAuthorization(tv, { scope: 'openid concierge:user' });
    const browser = new Browser();
    let page = await browser.get(device.verification_uri);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      page = await browser.submit(page, { user_code: `BCDF-GHJ${'KLM'[attempt - 1]}` });
      expect({ attempt, status: page.status }).toEqual({ attempt, status: 200 });
      expect(page.text).toContain('That code is not valid.');
    }

    const throttled = await browser.submit(page, { user_code: 'BCDF-GHJN' });
    expect(throttled.status).toBe(429);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(throttled.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(throttled.text).toContain('<h1>Too many wrong codes</h1>');
    expect(throttled.text).toMatch(/Wait \d+ seconds, then enter the code shown on your TV\./);

    // The right code, from the same address, is refused the same way: a guesser cannot tell it apart.
    const fresh = new Browser();
    const form = await fresh.get(device.verification_uri);
    const right = await fresh.submit(form, { user_code: device.user_code });
    expect(right.status).toBe(429);
    expect(right.text).not.toContain(device.user_code);
  });
});
