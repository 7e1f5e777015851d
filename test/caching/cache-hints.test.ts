import { readFileSync } from 'node:fs';
import { buildSchema, getOperationAST, parse, print, type GraphQLSchema } from 'graphql';
import { describe, expect, test } from 'vitest';
import { CACHE_CONTROL_SDL, cachePolicyOf } from '../../bffs/kit/caching/cache-hints.ts';
import type { CachePolicy } from '../../bffs/kit/core/cache-policy.ts';
import { operation } from '../support/documents.ts';
import { MOBILE_CACHING } from '../../bffs/mobile/policy.ts';
import { TV_CACHING } from '../../bffs/tv/policy.ts';
import { WEB_CACHING } from '../../bffs/web/policy.ts';

const policyOf = (schema: GraphQLSchema, text: string, defaults: CachePolicy) => {
  const document = parse(text);
  return cachePolicyOf(schema, document, getOperationAST(document)!, defaults);
};

describe('the combining rule', () => {
  const schema = buildSchema(`${CACHE_CONTROL_SDL}
    type Query {
      home: Home
      title(id: ID!): Title @cacheControl(scope: PUBLIC)
      news: [Title] @cacheControl(maxAge: 10, scope: PUBLIC)
    }
    type Mutation { add(id: ID!): Boolean }
    type Home { name: String, rows: [Title], live: Int @cacheControl(maxAge: 5) }
    type Title @cacheControl(maxAge: 300) { id: ID, name: String, inMyList: Boolean @cacheControl(scope: PRIVATE), related: [Title] }
  `);
  const defaults: CachePolicy = { maxAge: 60, scope: 'PRIVATE' };

  test('the root fields start from the defaults, PRIVATE: nothing is public by omission', () => {
    expect(policyOf(schema, '{ home { name } }', defaults)).toEqual({ maxAge: 60, scope: 'PRIVATE' });
  });
  test('the smallest maxAge of the fields selected wins', () => {
    expect(policyOf(schema, '{ home { name live } }', defaults)).toEqual({ maxAge: 5, scope: 'PRIVATE' });
    expect(policyOf(schema, '{ news { id } }', defaults)).toEqual({ maxAge: 10, scope: 'PUBLIC' });
  });
  test('a PUBLIC field stays public until one PRIVATE field is selected, however deep', () => {
    // The field's own hint (scope) over its type's (maxAge 300), as Apollo combines them.
    expect(policyOf(schema, '{ title(id: "1") { id name related { name } } }', defaults)).toEqual({ maxAge: 300, scope: 'PUBLIC' });
    expect(policyOf(schema, '{ title(id: "1") { id related { inMyList } } }', defaults)).toEqual({ maxAge: 300, scope: 'PRIVATE' });
    expect(policyOf(schema, '{ title(id: "1") { id } home { name } }', defaults)).toEqual({ maxAge: 60, scope: 'PRIVATE' });
  });
  test('fragments and inline fragments count like fields', () => {
    expect(policyOf(schema, '{ title(id: "1") { ...T } } fragment T on Title { inMyList }', defaults)!.scope).toBe('PRIVATE');
    expect(policyOf(schema, '{ home { ... on Home { live } } }', defaults)!.maxAge).toBe(5);
  });
  test('a mutation has no policy: no-store', () => {
    expect(policyOf(schema, 'mutation { add(id: "1") }', defaults)).toBeUndefined();
  });
});

describe("the clients' schemas and shipped documents", () => {
  const clients = {
    mobile: { caching: MOBILE_CACHING, home: 'MobileHome', title: 'MobileTitle' },
    tv: { caching: TV_CACHING, home: 'TvHome', title: 'TvTitle' },
    web: { caching: WEB_CACHING, home: 'WebHome', title: 'WebTitle' },
  } as const;

  test.each(Object.keys(clients) as (keyof typeof clients)[])('%s declares the kit\'s @cacheControl, and its home is private with the policy\'s maxAge', (client) => {
    const sdl = readFileSync(new URL(`../../schemas/${client}.graphql`, import.meta.url), 'utf8');
    const schema = buildSchema(sdl);
    const kit = buildSchema(`${CACHE_CONTROL_SDL} type Query { x: Int }`);
    const declared = (s: GraphQLSchema) => print({ ...s.getDirective('cacheControl')!.astNode!, description: undefined });
    expect(declared(schema)).toBe(declared(kit));
    expect(Object.keys(schema.getTypeMap())).toContain('CacheControlScope');
    const { caching, home, title } = clients[client];
    expect(policyOf(schema, operation(client, home), caching.defaults)).toEqual({ maxAge: caching.defaults.maxAge, scope: 'PRIVATE' });
    // A title is public unless the document selects something of the viewer's: whether it is in
    // their list, their progress, TV's badges (the viewer's entitlements decide 4K and HDR).
    const titleText = operation(client, title);
    expect(policyOf(schema, titleText, caching.defaults)!.scope).toBe(/inMyList|progressPercent|badges/.test(titleText) ? 'PRIVATE' : 'PUBLIC');
  });
});
