/**
 * The README's generated tables: the error catalog and the resilience policy per client.
 * `npx tsx scripts/readme-tables.ts` prints them; test/docs checks the README holds them as printed.
 */
import { ERRORS } from '../bffs/kit/errors.ts';
import { criticalServices, type DependencyMap, type ResiliencePolicy } from '../bffs/kit/resilience/policy.ts';
import { MOBILE_PERIMETER, MOBILE_POLICY } from '../bffs/mobile/policy.ts';
import { MOBILE_DEPENDENCIES } from '../bffs/mobile/dependencies.ts';
import { TV_PERIMETER, TV_POLICY } from '../bffs/tv/policy.ts';
import { TV_DEPENDENCIES } from '../bffs/tv/dependencies.ts';
import { WEB_PERIMETER, WEB_POLICY } from '../bffs/web/policy.ts';
import type { PerimeterPolicy } from '../bffs/kit/core/perimeter-policy.ts';
import { WEB_DEPENDENCIES } from '../bffs/web/dependencies.ts';

export function errorTable(): string {
  const rows = Object.entries(ERRORS).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.description} | ${e.solve} |`);
  return ['| Code | HTTP status | Description | How to solve |', '|---|---|---|---|', ...rows].join('\n');
}

export function policyTable(): string {
  const clients: [string, ResiliencePolicy, DependencyMap][] = [
    ['mobile', MOBILE_POLICY, MOBILE_DEPENDENCIES],
    ['tv', TV_POLICY, TV_DEPENDENCIES],
    ['web', WEB_POLICY, WEB_DEPENDENCIES],
  ];
  const row = (label: string, value: (p: ResiliencePolicy, d: DependencyMap) => string) =>
    `| ${label} | ${clients.map(([, p, d]) => value(p, d)).join(' | ')} |`;
  return [
    `| | ${clients.map(([name]) => name).join(' | ')} |`,
    `|---|${clients.map(() => '---').join('|')}|`,
    row('request deadline', (p) => `${p.deadlineMs} ms`),
    row('home lists must arrive within', (p) => `${p.listsShareOfDeadline * 100}% of the deadline`),
    row('a non-critical read may take', (p) => `${p.nonCriticalShareOfDeadline * 100}% of the deadline (${p.deadlineMs * p.nonCriticalShareOfDeadline} ms)`),
    row('stale-if-error serves last good values up to', (p) => `${p.staleIfError.maxAgeSeconds} s old, ${p.staleIfError.maxEntries.toLocaleString('en-US')} values kept`),
    row('attempts per idempotent call', (p) => `${p.retry.maxAttempts}`),
    row('backoff (full jitter)', (p) => `${p.retry.baseDelayMs}–${p.retry.maxDelayMs} ms`),
    row('retry budget', (p) => `${p.retry.budgetRatio * 100}% of calls + ${p.retry.budgetMinPerSecond}/s`),
    row('breaker opens after', (p) => `${p.breaker.consecutiveFailures} failures in a row, or ${p.breaker.failureRate * 100}% of the last ${p.breaker.window} calls (at least ${p.breaker.minimumCalls})`),
    row('breaker half-opens after', (p) => `${p.breaker.halfOpenAfterMs / 1000} s`),
    row('bulkhead per service', (p) => `${p.bulkhead} calls`),
    row('sockets per service', (p) => `${p.connections}`),
    row('shed load above', (p) => `${p.shedding.maxInFlight} in flight, or ${p.shedding.maxEventLoopDelayMs} ms event-loop delay`),
    row('critical services', (_, d) => criticalServices(d).join(', ')),
  ].join('\n');
}

/** Each client's perimeter: body limit, operation limits, budgets, CORS credentials. */
export function perimeterTable(): string {
  const clients: [string, PerimeterPolicy][] = [
    ['mobile', MOBILE_PERIMETER],
    ['tv', TV_PERIMETER],
    ['web', WEB_PERIMETER],
  ];
  const row = (label: string, value: (p: PerimeterPolicy) => string) => `| ${label} | ${clients.map(([, p]) => value(p)).join(' | ')} |`;
  return [
    `| | ${clients.map(([name]) => name).join(' | ')} |`,
    `|---|${clients.map(() => '---').join('|')}|`,
    row('request body', (p) => `${p.maxBodyBytes / 1024} KiB`),
    row('depth', (p) => `${p.limits.depth}`),
    row('aliases', (p) => `${p.limits.aliases}`),
    row('directives', (p) => `${p.limits.directives}`),
    row('tokens', (p) => `${p.limits.tokens}`),
    row('cost (armor\'s measure)', (p) => `${p.limits.cost}`),
    row('viewer budget', (p) => `${p.rateLimits.viewer.points} cost per ${p.rateLimits.viewer.windowSeconds} s`),
    row('address budget', (p) => `${p.rateLimits.ip.points} cost per ${p.rateLimits.ip.windowSeconds} s`),
    row('in flight per viewer', (p) => `${p.inFlight.viewer} requests`),
    row('in flight per address', (p) => `${p.inFlight.ip} requests`),
    row('sign-in budget (/auth/*)', (p) => (p.rateLimits.signIn ? `${p.rateLimits.signIn.points} requests per ${p.rateLimits.signIn.windowSeconds} s per address` : 'none (signs in elsewhere)')),
    row('browser origins', (p) => (p.corsCredentials ? '`WEB_ORIGINS`, with credentials' : 'none (native apps)')),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`${errorTable()}\n\n${policyTable()}\n\n${perimeterTable()}`);
}
