import { constantName, pascalName } from '../../bffs/clients.ts';
import type { BffConfig } from '../../bffs/kit/config.ts';
import type { ClientVersionPolicy } from '../../bffs/kit/contracts/versions.ts';
import type { PerimeterPolicy } from '../../bffs/kit/core/perimeter-policy.ts';
import type { DependencyMap, ResiliencePolicy } from '../../bffs/kit/resilience/policy.ts';
import type { Bff, BffOverrides } from '../../bffs/kit/server/create-bff.ts';

/**
 * A client's modules by the convention of bffs/clients.ts, for tests that cover every client of
 * the registry: a client added there is covered without an import added here.
 */
async function exportOf<T>(client: string, file: 'bff' | 'policy' | 'dependencies', name: string): Promise<T> {
  const module = (await import(new URL(`../../bffs/${client}/${file}.ts`, import.meta.url).href)) as Record<string, unknown>;
  if (!(name in module)) throw new Error(`bffs/${client}/${file}.ts exports no ${name} (the convention of bffs/clients.ts).`);
  return module[name] as T;
}

export type BffFactory = (config: BffConfig, overrides?: BffOverrides) => Bff;

/** `create<Name>Bff` from bffs/<client>/bff.ts. */
export const bffFactoryOf = (client: string) => exportOf<BffFactory>(client, 'bff', `create${pascalName(client)}Bff`);

/** `<NAME>_PORT` from bffs/<client>/bff.ts. */
export const defaultPortOf = (client: string) => exportOf<number>(client, 'bff', `${constantName(client)}_PORT`);

/** `<NAME>_POLICY`, `<NAME>_PERIMETER` and `<NAME>_VERSIONS` from bffs/<client>/policy.ts. */
export const resiliencePolicyOf = (client: string) => exportOf<ResiliencePolicy>(client, 'policy', `${constantName(client)}_POLICY`);
export const perimeterPolicyOf = (client: string) => exportOf<PerimeterPolicy>(client, 'policy', `${constantName(client)}_PERIMETER`);
export const versionPolicyOf = (client: string) => exportOf<ClientVersionPolicy>(client, 'policy', `${constantName(client)}_VERSIONS`);

/** `<NAME>_DEPENDENCIES` from bffs/<client>/dependencies.ts. */
export const dependenciesOf = (client: string) => exportOf<DependencyMap>(client, 'dependencies', `${constantName(client)}_DEPENDENCIES`);
