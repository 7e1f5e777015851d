import { describe, expect, test } from 'vitest';
import { configFromEnv } from '../../bffs/kit/config.ts';
import { resolveSettings } from '../../bffs/kit/server/settings.ts';
import { MOBILE_CACHING, MOBILE_PERIMETER, MOBILE_POLICY } from '../../bffs/mobile/policy.ts';

const policies = { policy: MOBILE_POLICY, perimeter: MOBILE_PERIMETER, caching: MOBILE_CACHING };
const settingsOf = (env: NodeJS.ProcessEnv) => resolveSettings('mobile', configFromEnv(env, 4001), policies);

describe("a BFF's settings: the client's policies with the environment's overrides, resolved once", () => {
  test('production with nothing set runs the policy as written, trusted documents only', () => {
    const settings = settingsOf({ NODE_ENV: 'production' });
    expect(settings.resilience).toEqual(MOBILE_POLICY);
    expect(settings.perimeter).toEqual({ ...MOBILE_PERIMETER, trustedDocuments: 'only', trustedProxyHops: 0 });
    // One object, printable whole: what a replica runs on.
    expect(JSON.parse(JSON.stringify(settings))).toEqual(settings);
  });

  test('development takes any document and lifts the budgets and the in-flight caps together', () => {
    const settings = settingsOf({});
    expect(settings.perimeter.trustedDocuments).toBe('arbitrary');
    expect(settings.perimeter.rateLimits).toBeUndefined();
    expect(settings.perimeter.inFlight).toBeUndefined();
  });

  test("each override replaces the policy's value and nothing else", () => {
    const settings = settingsOf({ NODE_ENV: 'production', DEADLINE_MS: '900', RATE_LIMIT_VIEWER: '50/60', IN_FLIGHT_VIEWER: '3', TRUSTED_DOCUMENTS: 'arbitrary', TRUSTED_PROXY_HOPS: '1', OPERATION_LIMITS: 'off' });
    expect(settings.resilience).toEqual({ ...MOBILE_POLICY, deadlineMs: 900 });
    expect(settings.perimeter.rateLimits).toEqual({ ...MOBILE_PERIMETER.rateLimits, viewer: { points: 50, windowSeconds: 60 } });
    expect(settings.perimeter.inFlight).toEqual({ ...MOBILE_PERIMETER.inFlight, viewer: 3 });
    expect(settings.perimeter.trustedDocuments).toBe('arbitrary');
    expect(settings.perimeter.trustedProxyHops).toBe(1);
    expect(settings.perimeter.limits).toBeUndefined();
  });
});
