/**
 * graphql-http's own audit of the GraphQL-over-HTTP spec, run against each BFF over real HTTP in
 * development (arbitrary documents, as GraphiQL needs), on the fast lane and on yoga's path.
 * Every MUST and every SHOULD passes; the audit's MAYs are reported but are choices, not faults.
 */
import { serverAudits, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestStack, testConfig, type TestStack } from '../support/bffs.ts';
import { originOf } from '../support/served.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { pino } from 'pino';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';

let stack: TestStack;
let yogaOnly: Bff;
let token: string;
beforeAll(async () => {
  stack = await startTestStack();
  token = await stack.mocks.token('u_1');
  yogaOnly = createMobileBff(testConfig(stack.mocks.urls, { fastLane: false }), { logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await yogaOnly?.close();
  await stack.close();
});

/** The audit's requests, signed in as u_1: every BFF needs a viewer. */
const signedIn: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

describe.each([
  ['web', () => stack.web],
  ['mobile', () => stack.mobile],
  ['tv', () => stack.tv],
  ['mobile, FAST_LANE=off', () => yogaOnly],
])('graphql-http audit: %s', (_, bff) => {
  test('no MUST and no SHOULD fails', async () => {
    const url = `${await originOf(bff())}/graphql`;
    const results: AuditResult[] = [];
    for (const audit of serverAudits({ url, fetchFn: signedIn })) results.push(await audit.fn());
    const failures = results.filter((r) => r.status !== 'ok' && (r.name.startsWith('MUST') || r.name.startsWith('SHOULD')));
    expect(failures.map((r) => `${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`)).toEqual([]);
    expect(results.length).toBeGreaterThan(40);
  });
});
