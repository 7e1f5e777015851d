import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BffConfig } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { bareMobileBff } from '../support/bare-bff.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { fetchOver } from '../support/served.ts';
import { untilKeys } from '../support/until-keys.ts';

/**
 * A resolver bug that graphql-js finds while completing a value (a `Boolean!` given `'yes'`) is
 * an error like any other: a catalog code, the message masked outside development, and logged
 * where the developer reads the logs. Both transports answer it alike: the fast lane (node:http)
 * and yoga (the same request with FAST_LANE=off).
 */

const typeDefs = /* GraphQL */ `
  type Query {
    "A Boolean! whose resolver returns a string."
    ready: Boolean!
    "A nullable Boolean whose resolver returns a string: the field alone is null."
    maybe: Boolean
    fine: String!
  }
`;
const resolvers = { Query: { ready: () => 'yes', maybe: () => 'yes', fine: () => 'fine' } };

interface Logged {
  level: number;
  msg?: string;
  err?: { message?: string; type?: string };
}

let mocks: TestMocks;
let token: string;

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1', { aud: 'mobile' });
});
afterAll(() => mocks?.close());

function buildBff(config: Partial<BffConfig>): { bff: Bff; logged: Logged[] } {
  return bareMobileBff<Logged>({ mocks, typeDefs, resolvers, config });
}

async function post(bff: Bff, query: string): Promise<{ status: number; body: any }> {
  const res = await untilKeys(() =>
    fetchOver(bff, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    }),
  );
  return { status: res.status, body: await res.json() };
}

const TRANSPORTS = [
  ['the fast lane', { fastLane: true }],
  ['yoga', { fastLane: false }],
] as const;

describe.each(TRANSPORTS)('a value that does not serialise, on %s', (_name, transport) => {
  test('development: a non-null field is INTERNAL_SERVER_ERROR with graphql-js message, data null, 200, and it is logged once', async () => {
    const { bff, logged } = buildBff({ ...transport, production: false });
    try {
      const { status, body } = await post(bff, '{ ready fine }');
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]).toMatchObject({ path: ['ready'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(body.errors[0].message).toContain('Boolean cannot represent a non boolean value: "yes"');
      const errors = logged.filter((entry) => entry.level >= 50);
      expect(errors).toHaveLength(1);
      expect(JSON.stringify(errors[0])).toContain('Boolean cannot represent a non boolean value');
    } finally {
      await bff.close();
    }
  });

  test('a nullable field is null with its own INTERNAL_SERVER_ERROR; the rest of data is served', async () => {
    const { bff } = buildBff({ ...transport, production: false });
    try {
      const { status, body } = await post(bff, '{ maybe fine }');
      expect(status).toBe(200);
      expect(body.data).toEqual({ maybe: null, fine: 'fine' });
      expect(body.errors.map((e: any) => [e.path, e.extensions.code])).toEqual([[['maybe'], 'INTERNAL_SERVER_ERROR']]);
    } finally {
      await bff.close();
    }
  });

  test('production: the same code, the message masked, and still logged with the real message', async () => {
    const { bff, logged } = buildBff({ ...transport, production: true, trustedDocuments: 'arbitrary' });
    try {
      const { status, body } = await post(bff, '{ ready fine }');
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', path: ['ready'], extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
      expect(JSON.stringify(body)).not.toContain('yes');
      expect(logged.filter((entry) => entry.level >= 50).map((entry) => JSON.stringify(entry)).join('\n')).toContain('Boolean cannot represent a non boolean value');
    } finally {
      await bff.close();
    }
  });
});
