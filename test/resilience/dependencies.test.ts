import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType, isListType, isNonNullType, isObjectType, type GraphQLField } from 'graphql';
import { describe, expect, test } from 'vitest';
import type { DependencyMap } from '../../bffs/kit/resilience/policy.ts';
import { CLIENT_NAMES } from '../../bffs/clients.ts';
import { dependenciesOf } from '../support/clients.ts';

/** Every client of bffs/clients.ts, with the map of its dependencies.ts. */
const clients: [string, DependencyMap][] = await Promise.all(CLIENT_NAMES.map(async (client) => [client, await dependenciesOf(client)] as [string, DependencyMap]));

/** Where a failure of the field lands: on the field itself, or on the items of a `[T]!` list. */
function failureIsContained(field: GraphQLField<unknown, unknown>): boolean {
  if (!isNonNullType(field.type)) return true;
  return isListType(field.type.ofType) && !isNonNullType(field.type.ofType.ofType);
}

describe.each(clients)('the %s dependency map', (client, dependencies) => {
  const schema = buildSchema(readFileSync(new URL(`../../schemas/${client}.graphql`, import.meta.url), 'utf8'));

  test('names only fields that exist in the schema', () => {
    for (const coordinate of Object.keys(dependencies)) {
      const [typeName, fieldName] = coordinate.split('.');
      const type = schema.getType(typeName!);
      expect(isObjectType(type) && type.getFields()[fieldName!], coordinate).toBeTruthy();
    }
  });

  test('makes every field backed by a non-critical service nullable, and every critical one non-null', () => {
    for (const [coordinate, { critical }] of Object.entries(dependencies)) {
      const [typeName, fieldName] = coordinate.split('.');
      const field = (schema.getType(typeName!) as import('graphql').GraphQLObjectType).getFields()[fieldName!]!;
      expect(failureIsContained(field), `${client} ${coordinate} (critical: ${critical})`).toBe(!critical);
    }
  });

  test('covers every root field, so no screen is left undeclared', () => {
    for (const [name, field] of Object.entries(schema.getQueryType()!.getFields())) {
      const returned = getNamedType(field.type).name;
      const declared = `Query.${name}` in dependencies || Object.keys(dependencies).some((c) => c.startsWith(`${returned}.`));
      expect(declared, `Query.${name}`).toBe(true);
    }
  });
});
