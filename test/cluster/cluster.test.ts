import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../scripts/cluster/cluster.ts';
import { HAPROXY, haproxyInstalled } from '../../scripts/cluster/haproxy.ts';
import { freeLayout } from '../../scripts/cluster/layout.ts';
import { countKinds, failures, startLoad } from '../../scripts/cluster/load.ts';
import { killReplica, rollingRestart } from '../../scripts/cluster/operations.ts';
import { mobileHomePlan } from '../../scripts/cluster/plans.ts';
import { mobileToken } from '../../scripts/cluster/viewers.ts';

/**
 * A small cluster, real in every part: Debian's HAProxy in front of two production mobile
 * replicas (bffs/mobile/main.ts, each its own process), the mocks, and a Redis of its own; every
 * port free. Under a light steady load of MobileHome (POST by trusted-document id, as the app
 * sends it), a rolling restart fails no request, and a `kill -9` fails at most the requests that
 * were in flight on the killed replica. `npm run cluster:proof` is the same at full size.
 *
 * HAProxy is required: npm test's pretest installs it (scripts/prerequisites/main.ts), and a
 * missing one fails these tests.
 */

describe('a cluster: HAProxy in front of two mobile replicas on one Redis', () => {
  let cluster: Cluster;
  let tokens: string[];

  beforeAll(async () => {
    if (!haproxyInstalled()) throw new Error(`${HAPROXY} is missing: npm test's pretest installs Debian's haproxy (scripts/prerequisites/main.ts)`);
    cluster = await startCluster({
      layout: await freeLayout({ clients: ['mobile'] }),
      cleanup: true,
      // A few milliseconds per downstream call, so requests are in flight long enough to be caught by a kill.
      mocksEnv: { MOCKS_LATENCY_MS: '15', MOCKS_JITTER_MS: '5' },
      // The load is one address sending for 20 viewers: budgets far above it, so they measure nothing here.
      commonEnv: { RATE_LIMIT_IP: '100000000/60', RATE_LIMIT_VIEWER: '1000000/60', RESPONSE_CACHE: 'off' },
    });
    tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => mobileToken(cluster.mocks.urls.identity, `u_${i + 1}`)));
  }, 60_000);
  afterAll(() => cluster?.stop(), 30_000);

  const load = () => startLoad({ fronts: cluster.front, plans: [mobileHomePlan(tokens)], concurrency: 4, thinkMs: 10 });

  it('a rolling restart under load fails no request: each replica drains, exits 0 and is back in rotation before the next goes', async () => {
    const running = load();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const steps = await rollingRestart(cluster, ['mobile-1', 'mobile-2']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const outcomes = await running.stop();

    for (const step of steps) {
      expect(step.exit, step.id).toMatchObject({ code: 0, signal: null });
      expect(step.newPid).not.toBe(step.oldPid);
    }
    expect(countKinds(failures(outcomes))).toEqual({});
    expect(outcomes.length).toBeGreaterThan(50);
    // Both new processes served.
    const lastSecond = outcomes.filter((o) => o.end > Date.now() - 2_000);
    expect(new Set(lastSecond.map((o) => o.servedBy))).toEqual(new Set(['mobile-1', 'mobile-2']));
  }, 60_000);

  it('kill -9 of one replica under load fails at most the requests in flight on it; the rest go to the other one', async () => {
    const running = load();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const kill = await killReplica(cluster, 'mobile-1');
    // HAProxy's checks take it out of rotation; until they do, a connection refused is retried on mobile-2.
    await cluster.haproxy.waitFor('mobile-1', 'DOWN', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const outcomes = await running.stop();

    const failed = failures(outcomes);
    expect(failed.length, JSON.stringify({ kill, failed: countKinds(failed) })).toBeLessThanOrEqual(kill.inFlight);
    // Every failure was a request already sent when the process died.
    for (const failure of failed) expect(failure.start).toBeLessThanOrEqual(kill.exitedAt);
    const afterKill = outcomes.filter((o) => o.start > kill.exitedAt);
    expect(afterKill.length).toBeGreaterThan(10);
    expect(afterKill.every((o) => o.ok && o.servedBy === 'mobile-2')).toBe(true);

    await cluster.replica('mobile-1').start();
    await cluster.haproxy.waitFor('mobile-1', 'UP');
  }, 60_000);
});
