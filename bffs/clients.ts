/**
 * Every client BFF, listed once. codegen.ts (what it generates per client), `npm start`
 * (scripts/start-all.ts), `npm run contracts:check` and the tests that cover every client read
 * this list, so a new client is one line here (`npm run new-client -- <name> --port <port>`
 * writes it; README: Adding a client BFF).
 *
 * Data only: codegen.ts imports it before anything is generated, so nothing here may import a
 * BFF. By convention `bffs/<name>/bff.ts` exports `create<Name>Bff` and `<NAME>_PORT`,
 * `policy.ts` exports `<NAME>_POLICY`, `<NAME>_PERIMETER` and `<NAME>_VERSIONS`, and
 * `dependencies.ts` exports `<NAME>_DEPENDENCIES` (test/scaffold/new-client.test.ts holds every
 * entry to it).
 */
export interface ClientEntry {
  /** Lower-case letters: `bffs/<name>/`, `schemas/<name>.graphql`. */
  readonly name: string;
  /** Its default `PORT`, the same as `<NAME>_PORT` in its bff.ts; `npm start` adds CONCIERGE_PORT_OFFSET. */
  readonly port: number;
  /** GraphQL types whose resolvers receive `<Type>Model` from its models.ts rather than the finished type (codegen's mappers). */
  readonly mappers: readonly string[];
}

export const CLIENTS = [
  { name: 'web', port: 4000, mappers: ['Home', 'RowItem', 'Title', 'Account'] },
  { name: 'mobile', port: 4001, mappers: ['Home', 'TitleDetail'] },
  { name: 'tv', port: 4002, mappers: ['Home', 'RowItem'] },
] as const satisfies readonly ClientEntry[];

export type ClientName = (typeof CLIENTS)[number]['name'];

export const CLIENT_NAMES: readonly ClientName[] = CLIENTS.map((client) => client.name);

/** `watch` → `Watch`: the part of `create<Name>Bff`, `<Name>Context` and `<Name>Home`. */
export const pascalName = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

/** `watch` → `WATCH`: the prefix of `<NAME>_POLICY`, `<NAME>_PORT` and friends. */
export const constantName = (name: string): string => name.toUpperCase();
