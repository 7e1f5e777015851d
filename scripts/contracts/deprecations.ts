/** Step 3 of contracts:check: deprecated parts of the schema, with the supported releases still using them. */
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import type { Release } from '../../bffs/kit/contracts/releases.ts';
import type { DeprecationUse } from './contract-check.ts';
import type { OperationUsage } from './usage.ts';

/** Deprecated fields, arguments, input fields and enum values, with who still uses them. */
export function deprecations(client: string, schema: GraphQLSchema, releases: Release[], usage: Map<string, OperationUsage[]>): DeprecationUse[] {
  const deprecated: { coordinate: string; reason: string }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.deprecationReason != null) deprecated.push({ coordinate: `${type.name}.${field.name}`, reason: field.deprecationReason });
        for (const arg of field.args) {
          if (arg.deprecationReason != null) deprecated.push({ coordinate: `${type.name}.${field.name}.${arg.name}`, reason: arg.deprecationReason });
        }
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.deprecationReason != null) deprecated.push({ coordinate: `${type.name}.${field.name}`, reason: field.deprecationReason });
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (value.deprecationReason != null) deprecated.push({ coordinate: `${type.name}.${value.name}`, reason: value.deprecationReason });
      }
    }
  }
  return deprecated.map(({ coordinate, reason }) => {
    const usedBy = releases.flatMap(({ version, releasedAt }) => {
      const operations = (usage.get(version) ?? []).filter((use) => use.coordinates.has(coordinate)).map((use) => use.operation);
      return operations.length ? [{ version, releasedAt, operations: [...new Set(operations)] }] : [];
    });
    const head = `${coordinate} is deprecated ("${reason}")`;
    const versions = usedBy.map((u) => u.version);
    const message = usedBy.length
      ? `${head}: still used by ${usedBy.map((u) => `${client} ${u.version} (released ${u.releasedAt}: ${u.operations.join(', ')})`).join(', ')}; safe to remove once ${versions.join(' and ')} ${versions.length > 1 ? 'retire' : 'retires'}.`
      : `${head}: no supported release uses it; safe to remove now.`;
    return { coordinate, reason, usedBy, message };
  });
}

