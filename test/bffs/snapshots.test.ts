import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/bffs.ts';

/**
 * Every operation file each app ships (bffs/<client>/operations/*.graphql), read at test time so
 * a new file is covered the day it lands, runs against the real seeded mocks with the frozen
 * clock. The whole answer (status and body) is a file snapshot in __snapshots__/.
 */

const CLIENTS = ['web', 'mobile', 'tv'] as const;
type Client = (typeof CLIENTS)[number];

/** One request of an operation: who asks, from which device, with which variables. */
interface Run {
  /** How this run differs, for the test name. */
  as: string;
  variables?: Record<string, unknown>;
  /** The viewer; u_1 unless told. */
  sub?: string;
  headers?: Record<string, string>;
}

interface OperationPlan {
  runs: Run[];
  /** Mutations change the mocks' state, so they run after every query, in this order. */
  step?: number;
}

/** u_1 (basic tier) is the default viewer. u_6 is premium (uhd, hdr, atmos) with ambient mode on. */
const PREMIUM_VIEWER = 'u_6';
/** On nobody's list at the start, for u_1: add, then remove, so both report changed: true. */
const NOT_IN_MY_LIST = 't_42';
const FULL_TV = { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr,atmos,ambient' };

const PLANS: Record<Client, Record<string, OperationPlan>> = {
  web: {
    WebHome: { runs: [{ as: 'u_1' }] },
    WebAccount: { runs: [{ as: 'u_1' }] },
    WebTitle: { runs: [{ as: `u_1 for ${NOT_IN_MY_LIST}, 3 reviews a page`, variables: { id: NOT_IN_MY_LIST, reviewsFirst: 3 } }] },
    WebSearch: { runs: [{ as: 'u_1 searching "moon", 5 a page', variables: { query: 'moon', first: 5 } }] },
    AddToMyList: { step: 1, runs: [{ as: `u_1 adding ${NOT_IN_MY_LIST}`, variables: { contentId: NOT_IN_MY_LIST } }] },
    RemoveFromMyList: { step: 2, runs: [{ as: `u_1 removing ${NOT_IN_MY_LIST}`, variables: { contentId: NOT_IN_MY_LIST } }] },
  },
  mobile: {
    MobileHome: { runs: [{ as: 'u_1' }] },
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

const OPERATIONS = CLIENTS.flatMap(operationsOf);

/** Why an operation cannot run as planned, or undefined when it can. */
function planProblem(operation: Operation): string | undefined {
  const plan = PLANS[operation.client][operation.name];
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

const runsOf = (operation: Operation): Run[] => PLANS[operation.client][operation.name]?.runs ?? [{ as: 'u_1' }];

/** Queries first (they must not see a mutation's effect), then mutations by step. */
const ORDERED = [...OPERATIONS].sort((a, b) => orderOf(a) - orderOf(b));
function orderOf(operation: Operation): number {
  return operation.kind === 'query' ? 0 : (PLANS[operation.client][operation.name]?.step ?? Number.MAX_SAFE_INTEGER);
}

async function answer(stack: TestStack, operation: Operation, run: Run) {
  const { status, body } = await stack.graphql(stack[operation.client], operation.text, {
    variables: run.variables,
    sub: run.sub,
    headers: run.headers,
  });
  return { status, body };
}

describe('the operations the apps ship', () => {
  it('are found on disk for every client', () => {
    for (const client of CLIENTS) expect(OPERATIONS.filter((o) => o.client === client).length, client).toBeGreaterThan(0);
  });

  it('each have a run plan that sets every required variable, and every plan names an operation file', () => {
    const problems = OPERATIONS.map(planProblem).filter((p) => p !== undefined);
    for (const client of CLIENTS) {
      for (const name of Object.keys(PLANS[client])) {
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

  for (const operation of ORDERED) {
    describe(`${operation.client} ${operation.name}`, () => {
      for (const run of runsOf(operation)) {
        it(`answers ${run.as} as snapshotted`, async () => {
          const problem = planProblem(operation);
          if (problem) throw new Error(problem);
          const result = await answer(stack, operation, run);
          expect(result.status).toBe(200);
          expect(result.body.errors, JSON.stringify(result.body.errors)).toBeUndefined();
          expect(result).toMatchSnapshot();
        });
      }
    });
  }
});

describe('the answers are deterministic', () => {
  it('two fresh stacks answer every run of every operation, in the same order, identically', async () => {
    const [first, second] = await Promise.all([startTestStack(), startTestStack()]);
    try {
      for (const operation of ORDERED) {
        if (planProblem(operation)) continue; // reported by its own test above
        for (const run of runsOf(operation)) {
          const [a, b] = await Promise.all([answer(first, operation, run), answer(second, operation, run)]);
          expect(b, `${operation.client} ${operation.name}: ${run.as}`).toEqual(a);
        }
      }
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  }, 60_000);
});
