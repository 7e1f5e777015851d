import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { ErrorCode, OpenFeatureEventEmitter, ProviderEvents, type Provider, type ResolutionDetails } from '@openfeature/server-sdk';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createTvBff } from '../../bffs/tv/bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { WEB_FLAGS } from '../../bffs/web/policy.ts';
import { createFlagsWing } from '../../bffs/kit/flags/wing.ts';
import { passageOf } from '../../bffs/kit/perimeter/pipeline.ts';
import { tracingFromEnv } from '../../bffs/kit/observability/tracing.ts';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';
import type { BffConfig } from '../../bffs/kit/config.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { logSink } from '../support/bare-bff.ts';
import { operation } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { postStreamed } from '../support/multipart.ts';
import { fetchOver, originOf } from '../support/served.ts';
import { eventually, flagsFile, REPOSITORY_FLAGS, rowOrder, topPicksSize } from './support.ts';

/**
 * Flags through OpenFeature, evaluated in process from flagd definitions: what each client gets
 * under each variant, the file edited under a running BFF, stickiness and the split of a 50%
 * rollout over 1,000 viewers, and the failure rules (a broken file, a missing flag).
 */
let mocks: TestMocks;
const tokens = new Map<string, string>();
const built: Bff[] = [];

beforeAll(async () => {
  mocks = await startTestMocks();
});
afterAll(async () => {
  await Promise.all(built.map((bff) => bff.close()));
  await mocks?.close();
});

type Factory = typeof createWebBff;
function build(factory: Factory, config: Partial<BffConfig>) {
  const sink = logSink<Record<string, any>>();
  const bff = factory(testConfig(mocks.urls, { flags: true, ...config }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'info' }, sink.stream),
    policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
  });
  built.push(bff);
  return { bff, logged: sink.logged };
}

async function tokenOf(sub: string) {
  let token = tokens.get(sub);
  if (!token) tokens.set(sub, (token = await mocks.token(sub)));
  return token;
}

async function ask(bff: Bff, client: 'web' | 'mobile' | 'tv', name: string, sub = 'u_1', headers: Record<string, string> = {}) {
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${await tokenOf(sub)}`, 'x-request-id': `flags-${Math.random()}`, ...headers },
    body: JSON.stringify({ query: operation(client, name) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const rowIds = (body: any): string[] => body.data.home.rows.map((row: any) => row.id);

describe('web row-order', () => {
  test('each variant changes the order of the home, and the app is told which it got', async () => {
    const file = flagsFile({ 'row-order': rowOrder(0) });
    const { bff } = build(createWebBff, { flagsFile: file.path });
    const control = await ask(bff, 'web', 'WebHome');
    expect(control.body.extensions).toEqual({ experiments: { 'row-order': 'continue-first' } });
    expect(rowIds(control.body)[0]).toBe('continue-watching');

    file.writeFlags({ 'row-order': rowOrder(100) });
    expect(await eventually(async () => (await ask(bff, 'web', 'WebHome')).body.extensions.experiments['row-order'] === 'trending-first')).toBe(true);
    const variant = await ask(bff, 'web', 'WebHome');
    expect(rowIds(variant.body)).toEqual(['trending', ...rowIds(control.body).filter((id) => id !== 'trending')]);
    // Only the operations a flag shapes evaluate it: the account page is no experiment's.
    expect((await ask(bff, 'web', 'WebAccount')).body.extensions).toBeUndefined();
  });

  test("a home delivered in parts (@defer) says in its first part which variant it was computed under, with the locale's Content-Language and the answer's Vary", async () => {
    const file = flagsFile({ 'row-order': rowOrder(100) });
    const { bff } = build(createWebBff, { flagsFile: file.path });
    const whole = await ask(bff, 'web', 'WebHome', 'u_1', { 'accept-language': 'de-DE' });
    const streamed = await postStreamed(`${await originOf(bff)}/graphql`, { accept: 'multipart/mixed; deferSpec=20220824, application/json', authorization: `Bearer ${await tokenOf('u_1')}`, 'accept-language': 'de-DE' }, { query: operation('web', 'WebHome') });
    expect(streamed.status).toBe(200);
    const [first, ...rest] = streamed.parts;
    expect(first!.body.hasNext).toBe(true);
    expect(first!.body.extensions).toEqual({ experiments: { 'row-order': 'trending-first' } });
    expect(rowIds(first!.body)).toEqual(rowIds(whole.body));
    // Only the first part: the app attributes the answer once.
    for (const part of rest) expect(part.body.extensions).toBeUndefined();
    expect(streamed.headers['content-language']).toBe(whole.headers.get('content-language'));
    expect(streamed.headers['content-language']).toBe('de-DE');
    // What the locale and the flags varied on, as the whole answer says (its Vary has the caching's names too).
    const vary = (value: unknown) => String(value).split(',').map((name) => name.trim().toLowerCase());
    expect(vary(whole.headers.get('vary'))).toEqual(expect.arrayContaining(['accept-language', 'x-viewer-country']));
    expect(vary(streamed.headers.vary)).toEqual(expect.arrayContaining(['accept-language', 'x-viewer-country']));
  });

  test('a 50% rollout is sticky per viewer: each of 40 viewers gets the same variant again, over HTTP, after the file is rewritten', async () => {
    const file = flagsFile({ 'row-order': rowOrder(50) });
    const { bff } = build(createWebBff, { flagsFile: file.path });
    const viewers = Array.from({ length: 40 }, (_, i) => `u_${i + 1}`);
    const first = new Map<string, string>();
    for (const sub of viewers) first.set(sub, (await ask(bff, 'web', 'WebHome', sub)).body.extensions.experiments['row-order']);
    expect(new Set(first.values())).toEqual(new Set(['continue-first', 'trending-first']));
    file.writeFlags({ 'row-order': rowOrder(50), 'unrelated-flag': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const sub of viewers) expect((await ask(bff, 'web', 'WebHome', sub)).body.extensions.experiments['row-order'], sub).toBe(first.get(sub));
  });

  test('a 50% rollout splits 1,000 viewers within ±5%, through the stage every request runs', async () => {
    const file = flagsFile({ 'row-order': rowOrder(50) });
    const wing = createFlagsWing({ client: 'web', logger: pino({ level: 'silent' }), declarations: WEB_FLAGS, path: file.path });
    try {
      let trending = 0;
      for (let n = 1; n <= 1_000; n++) {
        const passage = passageOf({ method: 'POST', headers: new Headers(), peer: '127.0.0.1', params: {} });
        Object.assign(passage, { operation: { name: 'WebHome' }, viewer: { id: `u_${n}`, token: '' }, clientVersion: { version: '1.0.0' } });
        await wing.variationStages![0]!(passage);
        if ((passage.variation.extensions.experiments as Record<string, string>)['row-order'] === 'trending-first') trending++;
      }
      expect(trending).toBeGreaterThanOrEqual(450);
      expect(trending).toBeLessThanOrEqual(550);
    } finally {
      await wing.close();
    }
  });
});

describe('evaluations kept per targeting context', () => {
  /** A provider that answers `variant` for row-order and counts how often it is asked. */
  function countingProvider() {
    const state = { asked: 0, variant: 'continue-first', failing: false };
    const provider = {
      metadata: { name: 'counting' },
      runsOn: 'server' as const,
      events: new OpenFeatureEventEmitter(),
      async resolveStringEvaluation() {
        state.asked++;
        if (state.failing) return { value: 'continue-first', reason: 'ERROR', errorCode: ErrorCode.GENERAL } as ResolutionDetails<string>;
        return { value: state.variant, variant: state.variant, reason: 'TARGETING_MATCH' } as ResolutionDetails<string>;
      },
      resolveBooleanEvaluation: async () => ({ value: false }),
      resolveNumberEvaluation: async () => ({ value: 0 }),
      resolveObjectEvaluation: async <T,>() => ({ value: {} as T }),
    } satisfies Provider;
    return { provider, state };
  }
  async function home(wing: ReturnType<typeof createFlagsWing>, viewer: string, headers: Record<string, string> = {}) {
    const passage = passageOf({ method: 'POST', headers: new Headers(headers), peer: '127.0.0.1', params: {} });
    Object.assign(passage, { operation: { name: 'WebHome' }, viewer: { id: viewer, token: '' }, clientVersion: { version: '1.0.0' } });
    await wing.variationStages![0]!(passage);
    return { variant: (passage.variation.extensions.experiments as Record<string, string>)['row-order'], keys: passage.variation.keys };
  }

  test("a viewer's next home reuses its variants, exposed as before; another context, or a change the provider reports, asks again", async () => {
    const { provider, state } = countingProvider();
    const wing = createFlagsWing({ client: 'web', logger: pino({ level: 'silent' }), declarations: WEB_FLAGS, path: '/nonexistent' }, provider);
    try {
      const first = await home(wing, 'u_1');
      const again = await home(wing, 'u_1');
      expect(again).toEqual(first);
      expect(state.asked).toBe(1);
      // Another viewer, or the same viewer from another country, is another context.
      await home(wing, 'u_2');
      await home(wing, 'u_1', { 'x-viewer-country': 'de' });
      expect(state.asked).toBe(3);

      state.variant = 'trending-first';
      provider.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: ['row-order'] });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await home(wing, 'u_1')).variant).toBe('trending-first');
      expect(state.asked).toBe(4);
    } finally {
      await wing.close();
    }
  });

  test('a default served because of an error is not kept: the next home asks again', async () => {
    const { provider, state } = countingProvider();
    state.failing = true;
    const wing = createFlagsWing({ client: 'web', logger: pino({ level: 'silent' }), declarations: WEB_FLAGS, path: '/nonexistent' }, provider);
    try {
      await home(wing, 'u_1');
      await home(wing, 'u_1');
      expect(state.asked).toBe(2);
      state.failing = false;
      expect((await home(wing, 'u_1')).variant).toBe('continue-first');
      await home(wing, 'u_1');
      expect(state.asked).toBe(3);
    } finally {
      await wing.close();
    }
  });

  test('every home is exposed, kept or asked: the metric counts each one', async () => {
    const file = flagsFile({ 'row-order': rowOrder(100) });
    const { bff } = build(createWebBff, { flagsFile: file.path });
    for (let n = 0; n < 3; n++) expect((await ask(bff, 'web', 'WebHome', 'u_3')).body.extensions).toEqual({ experiments: { 'row-order': 'trending-first' } });
    expect(await bff.metrics!.metrics()).toMatch(/concierge_feature_flag_evaluations_total\{flag="row-order",variant="trending-first",reason="TARGETING_MATCH",client="web"\} 3/);
  });
});

describe('mobile top-picks-size and TV ambient-mode', () => {
  test('top-picks-size: 12 top picks in the small variant, 20 in control', async () => {
    const file = flagsFile({ 'top-picks-size': topPicksSize('small') });
    const { bff } = build(createMobileBff, { flagsFile: file.path });
    const topPicks = (body: any) => body.data.home.rows.find((row: any) => row.id === 'top-picks').items.length;
    const small = await ask(bff, 'mobile', 'MobileHome');
    expect(small.body.extensions).toEqual({ experiments: { 'top-picks-size': 'small' } });
    expect(topPicks(small.body)).toBe(12);
    file.writeFlags({ 'top-picks-size': topPicksSize('control') });
    expect(await eventually(async () => topPicks((await ask(bff, 'mobile', 'MobileHome')).body) === 20)).toBe(true);
  });

  test('ambient-mode rolls out by device capability: a device without ambient is never in it', async () => {
    const file = flagsFile({ 'ambient-mode': { ...REPOSITORY_FLAGS.flags['ambient-mode'], targeting: { if: [{ in: ['ambient', { var: 'capabilities' }] }, 'on', 'off'] } } });
    const { bff } = build(createTvBff, { flagsFile: file.path });
    const full = await ask(bff, 'tv', 'TvHome', 'u_6', { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr,atmos,ambient' });
    const plain = await ask(bff, 'tv', 'TvHome', 'u_6', { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd' });
    expect([full.body.extensions.experiments, full.body.data.home.ambientModeEnabled]).toEqual([{ 'ambient-mode': 'on' }, true]);
    expect([plain.body.extensions.experiments, plain.body.data.home.ambientModeEnabled]).toEqual([{ 'ambient-mode': 'off' }, false]);
  });
});

describe('exposure and failure', () => {
  test('the access line names the variants, and the metric counts them by flag, variant and reason', async () => {
    const file = flagsFile({ 'row-order': rowOrder(100) });
    const { bff, logged } = build(createWebBff, { flagsFile: file.path });
    await ask(bff, 'web', 'WebHome');
    expect(await eventually(async () => logged.some((entry) => entry.msg === 'request'))).toBe(true);
    expect(logged.find((entry) => entry.msg === 'request')?.flags).toEqual({ 'row-order': 'trending-first' });
    const metrics = await bff.metrics!.metrics();
    expect(metrics).toMatch(/concierge_feature_flag_evaluations_total\{flag="row-order",variant="trending-first",reason="TARGETING_MATCH",client="web"\} 1/);
  });

  test("each evaluation is on the request's span, as OpenTelemetry's feature_flag.evaluation event", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const file = flagsFile({ 'row-order': rowOrder(100) });
      // The exporter reads its endpoint from the process's variables, as in production.
      process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${receiver.url}/v1/traces`;
      process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
      const bff = createWebBff(testConfig(mocks.urls, { flags: true, flagsFile: file.path }), {
        clock: () => new Date(TEST_NOW),
        logger: pino({ level: 'silent' }),
        tracing: tracingFromEnv('web', { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` }),
      });
      built.push(bff);
      await ask(bff, 'web', 'WebHome', 'u_1', { 'x-request-id': 'flag-span' });
      const spans = await receiver.until((received) => received.some((span) => span.attributes['concierge.request_id'] === 'flag-span'));
      const root = spans.find((span) => span.attributes['concierge.request_id'] === 'flag-span') as unknown as { events?: { name: string; attributes: { key: string; value: { stringValue?: string } }[] }[] };
      const event = root.events?.find((candidate) => candidate.name === 'feature_flag.evaluation');
      expect(Object.fromEntries((event?.attributes ?? []).map(({ key, value }) => [key, value.stringValue]))).toMatchObject({
        'feature_flag.key': 'row-order',
        'feature_flag.result.variant': 'trending-first',
        'feature_flag.result.reason': 'targeting_match',
        'feature_flag.provider.name': 'flagd',
      });
    } finally {
      await receiver.close();
    }
  });

  test('a missing flag serves its default, with the reason on the access line; the request succeeds', async () => {
    const file = flagsFile({ 'another-flag': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } });
    const { bff, logged } = build(createWebBff, { flagsFile: file.path });
    const { status, body } = await ask(bff, 'web', 'WebHome');
    expect(status).toBe(200);
    expect(body.extensions).toEqual({ experiments: { 'row-order': 'default' } });
    expect(rowIds(body)[0]).toBe('continue-watching');
    expect(await eventually(async () => logged.some((entry) => entry.msg === 'request'))).toBe(true);
    expect(logged.find((entry) => entry.msg === 'request')?.flag_errors).toEqual({ 'row-order': 'ERROR:FLAG_NOT_FOUND' });
  });

  test('a broken definitions file keeps the last good flags, is logged once and counted each time', async () => {
    const file = flagsFile({ 'row-order': rowOrder(100) });
    const { bff, logged } = build(createWebBff, { flagsFile: file.path });
    expect((await ask(bff, 'web', 'WebHome')).body.extensions.experiments['row-order']).toBe('trending-first');
    const broken = () => logged.filter((entry) => entry.level === 50 && /definitions file is unusable/.test(entry.msg));
    file.write('{ "flags": { "row-order": ');
    expect(await eventually(async () => broken().length > 0)).toBe(true);
    file.writeFlags({ 'row-order': { ...rowOrder(0), defaultVariant: 'no-such-variant' } });
    expect(await eventually(async () => /concierge_feature_flag_definitions_errors_total\{client="web"\} 2/.test(await bff.metrics!.metrics()))).toBe(true);
    expect(broken()).toHaveLength(1);
    const { status, body } = await ask(bff, 'web', 'WebHome');
    expect([status, body.extensions.experiments['row-order']]).toEqual([200, 'trending-first']);
    // Fixed: the new flags are served, and the next breakage is logged again.
    file.writeFlags({ 'row-order': rowOrder(0) });
    expect(await eventually(async () => (await ask(bff, 'web', 'WebHome')).body.extensions.experiments['row-order'] === 'continue-first')).toBe(true);
  });

  test('a definitions file that does not exist serves every default and fails nothing', async () => {
    const { bff } = build(createMobileBff, { flagsFile: '/nonexistent/flags.json' });
    const { status, body } = await ask(bff, 'mobile', 'MobileHome');
    expect(status).toBe(200);
    expect(body.extensions).toEqual({ experiments: { 'top-picks-size': 'default' } });
  });

  test('FLAGS=off evaluates nothing: each flag\'s default, no experiment exposed', async () => {
    const file = flagsFile({ 'row-order': rowOrder(100) });
    const { bff } = build(createWebBff, { flagsFile: file.path, flags: false });
    const { body } = await ask(bff, 'web', 'WebHome');
    expect(body.extensions).toBeUndefined();
    expect(rowIds(body)[0]).toBe('continue-watching');
  });

  test('the repository\'s definitions are valid flagd and declare every client\'s flags', async () => {
    const { bff, logged } = build(createMobileBff, {});
    const { body } = await ask(bff, 'mobile', 'MobileHome');
    expect(['control', 'small']).toContain(body.extensions.experiments['top-picks-size']);
    expect(logged.filter((entry) => entry.level >= 50)).toEqual([]);
    expect(Object.keys(REPOSITORY_FLAGS.flags).sort()).toEqual(['ambient-mode', 'row-order', 'top-picks-size']);
  });
});
