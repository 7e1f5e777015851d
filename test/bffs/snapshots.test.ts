import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NAMES, type ClientName } from '../../bffs/clients.ts';
import { startTestStack, type TestStack } from '../support/bffs.ts';
import { releasedDocument } from '../support/documents.ts';
import { postStreamed } from '../support/multipart.ts';
import { originOf } from '../support/served.ts';

/**
 * Every operation file each app ships (bffs/<client>/operations/*.graphql), read at test time so
 * a new file is covered the day it lands, runs against the real seeded mocks with the frozen
 * clock. The whole answer (status and body) is a file snapshot in __snapshots__/.
 *
 * Every client of bffs/clients.ts is covered. A client needs no entry in PLANS as long as its
 * operations are queries without required variables: each runs once, as u_1.
 */

const CLIENTS = CLIENT_NAMES;
type Client = ClientName;

/** One request of an operation: who asks, from which device, with which variables. */
interface Run {
  /** How this run differs, for the test name. */
  as: string;
  variables?: Record<string, unknown>;
  /** The viewer; u_1 unless told. */
  sub?: string;
  headers?: Record<string, string>;
  /**
   * The app of this released version: it sends the operation as that release shipped it
   * (bffs/<client>/releases/<version>/) and names its version, so its snapshot holds what that
   * version is sent, which an edit of the working copy's operation must never change.
   */
  release?: string;
}

interface OperationPlan {
  runs: Run[];
  /** Mutations change the mocks' state, so they run after every query, in this order. */
  step?: number;
}

/**
 * u_1 (basic tier: no downloads, no 4K/HDR/Atmos) is the default viewer. u_6 is premium (uhd,
 * hdr, atmos) with ambient mode on, so TV badges and ambient mode show; u_3 is standard (hdr only).
 */
const PREMIUM_VIEWER = 'u_6';
const STANDARD_VIEWER = 'u_3';
/** On nobody's list at the start, for u_1: add, then remove, so both report changed: true. */
const NOT_IN_MY_LIST = 't_42';
const FULL_TV = { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr,atmos,ambient' };

const PLANS: Partial<Record<Client, Record<string, OperationPlan>>> = {
  web: {
    WebHome: { runs: [{ as: 'u_1' }] },
    WebAccount: { runs: [{ as: 'u_1' }] },
    WebTitle: { runs: [{ as: `u_1 for ${NOT_IN_MY_LIST}, 3 reviews a page`, variables: { id: NOT_IN_MY_LIST, reviewsFirst: 3 } }] },
    WebSearch: { runs: [{ as: 'u_1 searching "moon", 5 a page', variables: { query: 'moon', first: 5 } }] },
    AddToMyList: { step: 1, runs: [{ as: `u_1 adding ${NOT_IN_MY_LIST}`, variables: { contentId: NOT_IN_MY_LIST } }] },
    RemoveFromMyList: { step: 2, runs: [{ as: `u_1 removing ${NOT_IN_MY_LIST}`, variables: { contentId: NOT_IN_MY_LIST } }] },
    // No TV is signed in here (test/sign-in/tv-device.test.ts signs one in and out): nothing changes.
    SignOutDevice: { step: 5, runs: [{ as: 'u_1 signing out a TV that is not signed in', variables: { id: 'dev_AAAAAAAAAAAAAAAAAAAAAA' } }] },
  },
  mobile: {
    MobileHome: {
      runs: [
        { as: 'u_1' },
        { as: 'u_1 on app 1.0.0', release: '1.0.0' },
        { as: 'u_1 on app 1.1.0 (the new-releases row, SQUARE)', release: '1.1.0' },
      ],
    },
    MobileTitle: { runs: [{ as: `u_1 for ${NOT_IN_MY_LIST}`, variables: { id: NOT_IN_MY_LIST } }] },
    AddToMyList: { step: 3, runs: [{ as: `u_1 adding ${NOT_IN_MY_LIST}`, variables: { contentId: NOT_IN_MY_LIST } }] },
    RemoveFromMyList: { step: 4, runs: [{ as: `u_1 removing ${NOT_IN_MY_LIST}`, variables: { contentId: NOT_IN_MY_LIST } }] },
  },
  tv: {
    TvHome: {
      runs: [
        { as: `premium ${PREMIUM_VIEWER} on a playready device with uhd, hdr, atmos and ambient`, sub: PREMIUM_VIEWER, headers: FULL_TV },
        { as: `premium ${PREMIUM_VIEWER} on a device that sends no device headers (the defaults)`, sub: PREMIUM_VIEWER },
      ],
    },
    TvTitle: {
      runs: [{ as: `premium ${PREMIUM_VIEWER} on a full device, for ${NOT_IN_MY_LIST}`, sub: PREMIUM_VIEWER, headers: FULL_TV, variables: { id: NOT_IN_MY_LIST } }],
    },
  },
};

interface Operation {
  client: Client;
  file: string;
  name: string;
  kind: OperationDefinitionNode['operation'];
  text: string;
  /** Variables with a non-null type and no default: a run cannot omit them. */
  required: string[];
}

function operationsOf(client: Client): Operation[] {
  const dir = fileURLToPath(new URL(`../../bffs/${client}/operations/`, import.meta.url));
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => {
      const text = readFileSync(dir + file, 'utf8');
      const definitions = parse(text).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      if (definitions.length !== 1 || !definitions[0]!.name) {
        throw new Error(`bffs/${client}/operations/${file} must hold exactly one named operation`);
      }
      const operation = definitions[0]!;
      return {
        client,
        file: `bffs/${client}/operations/${file}`,
        name: operation.name!.value,
        kind: operation.operation,
        text,
        required: (operation.variableDefinitions ?? [])
          .filter((v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue)
          .map((v) => `$${v.variable.name.value}`),
      };
    });
}

// A subscription answers events as the services write them, not one answer to snapshot:
// test/live/ holds each web subscription to what its events carry, over both transports.
const OPERATIONS = CLIENTS.flatMap(operationsOf).filter((operation) => operation.kind !== 'subscription');

/** Why an operation cannot run as planned, or undefined when it can. */
function planProblem(operation: Operation): string | undefined {
  const plan = PLANS[operation.client]?.[operation.name];
  const where = `${operation.file} (${operation.name})`;
  if (!plan) {
    if (operation.required.length > 0) {
      return `${where} needs ${operation.required.join(', ')}, but PLANS.${operation.client} in test/bffs/snapshots.test.ts has no entry for it. Add one with fixed variables.`;
    }
    if (operation.kind !== 'query') {
      return `${where} is a ${operation.kind}; it changes mock state, so PLANS.${operation.client} must give it variables and a step.`;
    }
    return undefined;
  }
  if (operation.kind !== 'query' && plan.step === undefined) return `${where} is a ${operation.kind} and needs a step in PLANS.${operation.client}.`;
  for (const run of plan.runs) {
    const missing = operation.required.filter((name) => run.variables?.[name.slice(1)] === undefined);
    if (missing.length > 0) return `${where}, run "${run.as}", does not set ${missing.join(', ')}.`;
  }
  return undefined;
}

/** A query with no plan and no required variables runs once, as u_1, with no variables. */
const RUNS = new Map(OPERATIONS.map((o) => [o, PLANS[o.client]?.[o.name]?.runs ?? [{ as: 'u_1' }]]));
const runsOf = (operation: Operation): Run[] => RUNS.get(operation)!;

/** Queries first (they must not see a mutation's effect), then mutations by step. */
const ORDERED = [...OPERATIONS].sort((a, b) => orderOf(a) - orderOf(b));
function orderOf(operation: Operation): number {
  return operation.kind === 'query' ? 0 : (PLANS[operation.client]?.[operation.name]?.step ?? Number.MAX_SAFE_INTEGER);
}

async function answer(stack: TestStack, operation: Operation, run: Run) {
  const text = run.release ? releasedDocument(operation.client, run.release, operation.name).text : operation.text;
  const { status, body } = await stack.graphql(stack.bffs[operation.client], text, {
    variables: run.variables,
    sub: run.sub,
    headers: { ...run.headers, ...(run.release ? { 'x-client-version': run.release } : {}) },
  });
  return { status, body };
}

const findOperation = (client: Client, name: string) => {
  const found = OPERATIONS.find((o) => o.client === client && o.name === name);
  if (!found) throw new Error(`bffs/${client}/operations has no ${name}`);
  return found;
};

describe('the operations the apps ship', () => {
  it('are found on disk for every client', () => {
    for (const client of CLIENTS) expect(OPERATIONS.filter((o) => o.client === client).length, client).toBeGreaterThan(0);
  });

  it('each have a run plan that sets every required variable, and every plan names an operation file', () => {
    const problems = OPERATIONS.map(planProblem).filter((p) => p !== undefined);
    for (const client of CLIENTS) {
      for (const name of Object.keys(PLANS[client] ?? {})) {
        if (!OPERATIONS.some((o) => o.client === client && o.name === name)) {
          problems.push(`PLANS.${client}.${name} names no operation in bffs/${client}/operations/; remove it or fix the name.`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('every operation answers exactly as snapshotted against the seeded mocks', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  /** What each snapshotted run answered, so the checks below read the very same bodies. */
  const answered = new Map<Run, Awaited<ReturnType<typeof answer>>>();
  const dataOf = async (client: Client, name: string, runIndex = 0) => {
    const op = findOperation(client, name);
    const run = runsOf(op)[runIndex]!;
    let result = answered.get(run);
    if (!result) answered.set(run, (result = await answer(stack, op, run)));
    return result.body.data;
  };

  for (const op of ORDERED) {
    describe(`${op.client} ${op.name}`, () => {
      for (const run of runsOf(op)) {
        it(`answers ${run.as} as snapshotted`, async () => {
          const problem = planProblem(op);
          if (problem) throw new Error(problem);
          const result = await answer(stack, op, run);
          answered.set(run, result);
          expect(result.status).toBe(200);
          expect(result.body.errors, JSON.stringify(result.body.errors)).toBeUndefined();
          expect(result).toMatchSnapshot();
        });
      }
    });
  }

  /**
   * A snapshot can be updated with -u without anyone reading it. These checks hold the same
   * answers to what product.md promises, so a wrong snapshot cannot be accepted silently.
   */
  describe('the snapshotted answers keep what product.md promises', () => {
    const THUMB = /\/(thumb16x9|thumb2x3)-(\d+x\d+)\.jpg$/;
    const thumbKind = (url: string) => THUMB.exec(url)?.[1];

    it('mobile home has continue-watching, my-list, top-picks in that order, at most 20 items each, with the right layout and thumbnail', async () => {
      const { home } = await dataOf('mobile', 'MobileHome');
      expect(home.rows.map((row: any) => row.id)).toEqual(['continue-watching', 'my-list', 'top-picks']);
      const expected: Record<string, [string, string]> = {
        'continue-watching': ['LANDSCAPE', 'thumb16x9'],
        'my-list': ['PORTRAIT', 'thumb2x3'],
        'top-picks': ['PORTRAIT', 'thumb2x3'],
      };
      for (const row of home.rows) {
        expect(row.items.length, row.id).toBeGreaterThan(0);
        expect(row.items.length, row.id).toBeLessThanOrEqual(20);
        expect(row.layout, row.id).toBe(expected[row.id]![0]);
        for (const item of row.items) expect(thumbKind(item.thumbnail), `${row.id} ${item.contentId}`).toBe(expected[row.id]![1]);
      }
    });

    it('mobile continue-watching items carry an integer progress from 0 to 100 and an "S3 E4" or "12 min left" subtitle', async () => {
      const { home } = await dataOf('mobile', 'MobileHome');
      const row = home.rows.find((r: any) => r.id === 'continue-watching');
      for (const item of row.items) {
        expect(Number.isInteger(item.progressPercent) && item.progressPercent >= 0 && item.progressPercent <= 100, String(item.progressPercent)).toBe(true);
        expect(item.subtitle).toMatch(/^(S\d+ E\d+|\d+ min left)$/);
      }
      for (const other of home.rows.filter((r: any) => r.id !== 'continue-watching')) {
        for (const item of other.items) expect([item.progressPercent, item.subtitle]).toEqual([null, null]);
      }
    });

    it('mobile top picks are titled for the viewer, with a synopsis of at most 120 characters that ends in … when cut', async () => {
      const { home } = await dataOf('mobile', 'MobileHome');
      const row = home.rows.find((r: any) => r.id === 'top-picks');
      expect(row.title).toBe(`Top Picks for ${home.profile.name}`);
      for (const item of row.items) {
        expect(item.synopsis.length, item.synopsis).toBeLessThanOrEqual(120);
        // The catalog's synopses are 500+ characters, so every one is cut.
        expect(item.synopsis.endsWith('…'), item.synopsis).toBe(true);
        expect(typeof item.isNew).toBe('boolean');
        expect(item.maturityRating).toEqual(expect.any(String));
      }
    });

    it('mobile title detail has a synopsis of at most 120 characters', async () => {
      const { title } = await dataOf('mobile', 'MobileTitle');
      expect(title.synopsis.length).toBeLessThanOrEqual(120);
    });

    it('tv home has continue-watching, trending, my-list in that order, at most 40 landscape items each, with 16x9 thumbnails', async () => {
      for (const runIndex of [0, 1]) {
        const { home } = await dataOf('tv', 'TvHome', runIndex);
        expect(home.rows.map((row: any) => row.id)).toEqual(['continue-watching', 'trending', 'my-list']);
        for (const row of home.rows) {
          expect(row.items.length, row.id).toBeGreaterThan(0);
          expect(row.items.length, row.id).toBeLessThanOrEqual(40);
          expect(row.layout).toBe('LANDSCAPE');
          for (const item of row.items) expect(thumbKind(item.thumbnail)).toBe('thumb16x9');
        }
      }
    });

    it('tv continue-watching items, and only they, carry progress and a licence for the device DRM system', async () => {
      const cases = [
        [0, 'PLAYREADY', '/playready/'],
        [1, 'WIDEVINE', '/widevine/'],
      ] as const;
      for (const [runIndex, drm, path] of cases) {
        const { home } = await dataOf('tv', 'TvHome', runIndex);
        expect(home.drmSystem).toBe(drm);
        for (const row of home.rows) {
          for (const item of row.items) {
            if (row.id === 'continue-watching') {
              expect(item.drmLicenseUrl).toContain(path);
              expect(Number.isInteger(item.progressPercent) && item.progressPercent >= 0 && item.progressPercent <= 100).toBe(true);
            } else {
              expect([item.drmLicenseUrl, item.progressPercent]).toEqual([null, null]);
            }
          }
        }
      }
    });

    it('tv badges show exactly what the title has for a premium viewer on a full device, and none on a device that declares nothing', async () => {
      const full = (await dataOf('tv', 'TvHome', 0)).home;
      const bare = (await dataOf('tv', 'TvHome', 1)).home;
      expect(full.ambientModeEnabled).toBe(true);
      expect(bare.ambientModeEnabled).toBe(false);

      const items = [full.hero, ...full.rows.flatMap((row: any) => row.items)];
      const ids = [...new Set<string>(items.map((item: any) => item.contentId))];
      const token = await stack.mocks.serviceToken(PREMIUM_VIEWER, { services: ['catalog'] });
      const titles = new Map<string, any>();
      for (let i = 0; i < ids.length; i += 100) {
        const response = await fetch(`${stack.mocks.urls.catalog}/titles/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ids: ids.slice(i, i + 100), fields: ['video', 'audio'] }),
        });
        for (const title of ((await response.json()) as { titles: any[] }).titles) titles.set(title.id, title);
      }
      for (const item of items) {
        const { video, audio } = titles.get(item.contentId);
        const expected = [video.uhd && '4K', video.hdr && 'HDR', audio.atmos && 'Dolby Atmos'].filter(Boolean);
        expect(item.badges, item.contentId).toEqual(expected);
      }
      expect(items.some((item: any) => item.badges.length > 0)).toBe(true);
      for (const item of [bare.hero, ...bare.rows.flatMap((row: any) => row.items)]) expect(item.badges).toEqual([]);
    });

    it("tv badges follow the viewer's entitlements: a standard viewer (HDR only) on a full device sees only HDR", async () => {
      const { status, body } = await answer(stack, findOperation('tv', 'TvHome'), { as: 'u_3', sub: STANDARD_VIEWER, headers: FULL_TV });
      expect(status).toBe(200);
      const badges = new Set([body.data.home.hero, ...body.data.home.rows.flatMap((row: any) => row.items)].flatMap((item: any) => item.badges));
      expect([...badges]).toEqual(['HDR']);
    });

    it('web home has continue-watching, my-list, top-picks, trending in that order, at most 20 items each, with full synopses', async () => {
      const { home } = await dataOf('web', 'WebHome');
      expect(home.rows.map((row: any) => row.id)).toEqual(['continue-watching', 'my-list', 'top-picks', 'trending']);
      for (const row of home.rows) {
        expect(row.items.length, row.id).toBeGreaterThan(0);
        expect(row.items.length, row.id).toBeLessThanOrEqual(20);
        for (const item of row.items) {
          expect(item.synopsis.length).toBeGreaterThan(120);
          if (item.progressPercent !== null) expect(Number.isInteger(item.progressPercent) && item.progressPercent >= 0 && item.progressPercent <= 100).toBe(true);
        }
      }
      expect(home.rows.find((row: any) => row.id === 'my-list').items.every((item: any) => item.inMyList === true)).toBe(true);
    });
  });
});

describe('the answers are deterministic', () => {
  it('two fresh stacks answer every run of every operation, in the same order, identically', async () => {
    const [first, second] = await Promise.all([startTestStack(), startTestStack()]);
    try {
      for (const op of ORDERED) {
        if (planProblem(op)) continue; // reported by its own test above
        for (const run of runsOf(op)) {
          const [a, b] = await Promise.all([answer(first, op, run), answer(second, op, run)]);
          expect(b, `${op.client} ${op.name}: ${run.as}`).toEqual(a);
        }
      }
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  }, 60_000);
});

/**
 * The deferring operations (web's ratings, TV's licences) asked in parts, as an app asking for
 * multipart/mixed gets them: the first part, then every deferred part. How the executor groups
 * deferred parts into payloads depends on timing, so they are snapshotted sorted by path, one
 * list, with the payloads' count held only to "at least one".
 */
describe('deferring operations answer in parts as snapshotted', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  const DEFERRING: { client: Client; name: string; sub: string; headers?: Record<string, string> }[] = [
    { client: 'web', name: 'WebHome', sub: 'u_1' },
    { client: 'tv', name: 'TvHome', sub: PREMIUM_VIEWER, headers: FULL_TV },
  ];

  for (const { client, name, sub, headers = {} } of DEFERRING) {
    it(`${client} ${name} as ${sub}, in parts`, async () => {
      const op = findOperation(client, name);
      expect(op.text).toContain('@defer');
      const token = await stack.mocks.token(sub);
      const answer = await postStreamed(`${await originOf(stack.bffs[client])}/graphql`, { accept: 'multipart/mixed; deferSpec=20220824, application/graphql-response+json', authorization: `Bearer ${token}`, ...headers }, { query: op.text });
      expect(answer.status).toBe(200);
      const [first, ...rest] = answer.parts;
      expect(rest.length).toBeGreaterThan(0);
      expect(rest.slice(0, -1).every((part) => part.body.hasNext === true) && rest.at(-1)!.body.hasNext === false).toBe(true);
      const deferred = rest
        .flatMap((part) => part.body.incremental ?? [])
        .sort((a: any, b: any) => a.path.join('/').localeCompare(b.path.join('/'), 'en', { numeric: true }));
      expect({ contentType: answer.headers['content-type'], first: first!.body, deferred }).toMatchSnapshot();
    });
  }
});
