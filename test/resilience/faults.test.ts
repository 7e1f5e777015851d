import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import type { FaultSettings } from '../../downstream-mocks/src/http/faults.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { FAST, SCENARIOS, bffFor, closedPortUrl, type Scenario } from './support.ts';
import { fetchOver } from '../support/served.ts';

/** How late an answer may be, beyond the deadline, on a busy two-core machine. */
const MARGIN_MS = 300;
const DOWNSTREAM_FAILURE = ['DOWNSTREAM_UNAVAILABLE', 'DOWNSTREAM_TIMEOUT', 'DOWNSTREAM_BAD_RESPONSE', 'CIRCUIT_OPEN'];

let mocks: TestMocks;
const tokens = new Map<string, string>();
const opened: Bff[] = [];

beforeAll(async () => {
  mocks = await startTestMocks();
  tokens.set('u_1', await mocks.token('u_1'));
});
afterEach(async () => {
  await mocks.clearFaults();
  await Promise.all(opened.splice(0).map((bff) => bff.close()));
});
afterAll(() => mocks.close());

async function ask(bff: Bff, scenario: Scenario) {
  const started = performance.now();
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${tokens.get('u_1')}`, ...scenario.headers },
    body: JSON.stringify({ query: scenario.document }),
  });
  const body = await response.json();
  return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - started };
}

function bff(scenario: Scenario, urls = mocks.urls) {
  const created = bffFor(scenario.client, urls);
  opened.push(created);
  return created;
}

/** What every failed response must look like, whatever the fault. */
function expectDegraded(scenario: Scenario, result: Awaited<ReturnType<typeof ask>>, codes: string[]) {
  const errors: { path?: (string | number)[]; extensions: { code: string; service?: string } }[] = result.body.errors ?? [];
  if (scenario.critical) {
    expect(result.status).toBe(503);
    expect(result.headers.get('retry-after')).not.toBeNull();
    expect(result.body.data).toBeNull();
    expect(errors[0]!.extensions).toMatchObject({ code: 'CRITICAL_DEPENDENCY_FAILED', service: scenario.service });
    expect(codes).toContain(errors[1]!.extensions.code);
    return;
  }
  expect(result.status).toBe(200);
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) {
    expect(error.path!.join('.')).toMatch(scenario.failedPath);
    expect(codes).toContain(error.extensions.code);
    expect(error.extensions.service).toBe(scenario.service);
  }
  scenario.intact?.(result.body.data);
}

const FAULTS: { name: string; faults: FaultSettings; codes: string[] }[] = [
  { name: 'hanging', faults: { hang: true }, codes: ['DOWNSTREAM_TIMEOUT'] },
  { name: 'sending malformed JSON', faults: { malformedJson: true }, codes: ['DOWNSTREAM_BAD_RESPONSE'] },
  { name: 'resetting connections', faults: { reset: true }, codes: ['DOWNSTREAM_UNAVAILABLE'] },
];

describe.each(SCENARIOS)('$service failing, seen through $client', (scenario) => {
  test('down (connection refused): degraded within the deadline, with DOWNSTREAM_UNAVAILABLE', async () => {
    const result = await ask(bff(scenario, { ...mocks.urls, [scenario.service]: await closedPortUrl() }), scenario);
    expect(result.elapsedMs).toBeLessThan(FAST.deadlineMs + MARGIN_MS);
    expectDegraded(scenario, result, ['DOWNSTREAM_UNAVAILABLE']);
  });

  test.each(FAULTS)('$name: degraded within the deadline, with the right code', async ({ faults, codes }) => {
    await mocks.setFaults(scenario.service, faults);
    const result = await ask(bff(scenario), scenario);
    expect(result.elapsedMs).toBeLessThan(FAST.deadlineMs + MARGIN_MS);
    expectDegraded(scenario, result, codes);
  });

  test('500 on half the calls: some screens are whole thanks to retries, the rest degrade with a code', async () => {
    await mocks.setFaults(scenario.service, { errorStatus: 500, errorRate: 0.5 });
    const server = bff(scenario);
    let whole = 0;
    for (let i = 0; i < 10; i++) {
      const result = await ask(server, scenario);
      expect(result.elapsedMs).toBeLessThan(FAST.deadlineMs + MARGIN_MS);
      if (!result.body.errors) whole++;
      else expectDegraded(scenario, result, DOWNSTREAM_FAILURE);
    }
    // A retry makes about three in four calls succeed, until the failure rate opens the breaker
    // (which it should: half the calls failing is the clients' threshold).
    expect(whole).toBeGreaterThanOrEqual(1);
  });

  test('the breaker stops calls while open, and lets traffic back once the fault clears', async () => {
    await mocks.setFaults(scenario.service, { errorStatus: 500 });
    const server = bff(scenario);
    let codes: string[] = [];
    for (let i = 0; i < 12 && !codes.includes('CIRCUIT_OPEN'); i++) {
      codes = ((await ask(server, scenario)).body.errors ?? []).map((e: { extensions: { code: string } }) => e.extensions.code);
    }
    expect(codes).toContain('CIRCUIT_OPEN');

    await mocks.resetCounters();
    for (let i = 0; i < 3; i++) expectDegraded(scenario, await ask(server, scenario), ['CIRCUIT_OPEN']);
    expect((await mocks.counters(scenario.service)).total).toBe(0);

    await mocks.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, FAST.halfOpenAfterMs + 50));
    const recovered = await ask(server, scenario);
    expect(recovered.status).toBe(200);
    expect(recovered.body.errors).toBeUndefined();
    expect((await mocks.counters(scenario.service)).total).toBeGreaterThan(0);
  });
});
