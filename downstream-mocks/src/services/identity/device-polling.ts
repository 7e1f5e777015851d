import type { KoaContextWithOIDC } from 'oidc-provider';
import { DEVICE_CODE_GRANT } from './clients.ts';

/** Poll records older than this are dropped: a device code lives 10 minutes. */
const FORGET_AFTER_MS = 15 * 60 * 1000;
const PRUNE_ABOVE = 1000;

/**
 * RFC 8628 polling etiquette, which oidc-provider leaves to the deployment: the device
 * authorization response says the `interval` (5 s unless `DEVICE_POLL_INTERVAL_SECONDS`), and a
 * poll of a still-pending device code that comes sooner than that after the previous poll is
 * answered `slow_down` instead of `authorization_pending` (§3.5). Only pending answers are
 * rewritten: once the user has approved, tokens are never withheld. The provider does not grow
 * the interval after a slow_down; the client does (+5 s, as the RFC asks of it).
 */
export function devicePolling(intervalSeconds: number) {
  const lastPollAt = new Map<string, number>();

  const prune = (now: number) => {
    if (lastPollAt.size <= PRUNE_ABOVE) return;
    for (const [code, at] of lastPollAt) if (now - at > FORGET_AFTER_MS) lastPollAt.delete(code);
  };

  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'device_authorization' && ctx.status === 200 && isObject(ctx.body)) {
      ctx.body = { ...ctx.body, interval: intervalSeconds };
      return;
    }
    if (route !== 'token' || ctx.oidc.params?.grant_type !== DEVICE_CODE_GRANT) return;
    const code = ctx.oidc.params.device_code;
    if (typeof code !== 'string') return;

    const now = Date.now();
    const previous = lastPollAt.get(code);
    lastPollAt.set(code, now);
    prune(now);
    if (previous === undefined || now - previous >= intervalSeconds * 1000) return;
    if (isObject(ctx.body) && ctx.body.error === 'authorization_pending') {
      ctx.body = {
        error: 'slow_down',
        error_description: `polled ${now - previous} ms after the previous poll; wait at least the interval (${intervalSeconds} s) between polls`,
      };
    }
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Buffer.isBuffer(value);
