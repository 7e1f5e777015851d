/**
 * What a batch of changed files calls for: which clients' generated code to rewrite, which BFFs
 * to replace, whether the mocks or the codegen worker must restart. One place decides it, so the
 * rules below read as the table they are.
 *
 * | changed                                   | codegen         | replaced        |
 * |-------------------------------------------|-----------------|-----------------|
 * | schemas/<client>.graphql                  | that client     | that client     |
 * | bffs/<client>/operations/**               | that client     | that client     |
 * | bffs/<client>/** (resolvers, mappers, …)  |                 | that client     |
 * | bffs/kit/**                               |                 | all clients     |
 * | bffs/*.ts (bffs/clients.ts)               | everything      | all clients     |
 * | downstream-mocks/openapi/**, proto/**     | everything      | mocks, all      |
 * | downstream-mocks/**                       |                 | mocks, all      |
 * | codegen.ts, scripts/codegen/**            | everything      | all clients     |
 * | package-lock.json (an npm install)        | everything      | all clients     |
 *
 * A restart of the mocks replaces every BFF too: identity mints a new signing key when it
 * starts, and a BFF that cached the old JWKS (or opened a breaker while the mocks were down)
 * would refuse good tokens for a while.
 */
export interface Plan {
  restartMocks: boolean;
  /** codegen.ts or what it imports changed; the worker holds them in memory. */
  restartCodegen: boolean;
  /** bffs/clients.ts may list a client `npm run dev` does not serve yet (it read the list when it started). */
  clientList: boolean;
  /** The dependencies changed: the warm spares loaded the old ones. */
  recycleSpares: boolean;
  /** Clients whose generated code is rewritten, or everything codegen.ts writes. */
  codegen: 'all' | Set<string>;
  replace: Set<string>;
  /** Changed paths no rule covers (a schema of a client `npm run dev` does not serve). */
  ignored: string[];
}

export function emptyPlan(): Plan {
  return { restartMocks: false, restartCodegen: false, clientList: false, recycleSpares: false, codegen: new Set(), replace: new Set(), ignored: [] };
}

export function planFor(paths: readonly string[], clients: readonly string[]): Plan {
  const plan = emptyPlan();
  const all = () => clients.forEach((client) => plan.replace.add(client));
  const regenerate = (client?: string) => {
    if (client === undefined) plan.codegen = 'all';
    else if (plan.codegen !== 'all') plan.codegen.add(client);
  };
  for (const path of paths) {
    const [top, second, third] = path.split('/');
    if (top === 'schemas') {
      const client = second?.replace(/\.graphql$/, '');
      if (client !== undefined && clients.includes(client)) {
        regenerate(client);
        plan.replace.add(client);
      } else plan.ignored.push(path);
    } else if (top === 'bffs') {
      if (second !== undefined && clients.includes(second)) {
        if (third === 'operations') regenerate(second);
        plan.replace.add(second);
      } else if (second === 'kit') {
        all();
      } else if (second !== undefined && third === undefined) {
        // The client registry and its like: codegen.ts imports it, so the worker must reload it.
        plan.restartCodegen = true;
        plan.clientList ||= path === 'bffs/clients.ts';
        regenerate();
        all();
      } else plan.ignored.push(path);
    } else if (top === 'downstream-mocks') {
      plan.restartMocks = true;
      if (second === 'openapi' || second === 'proto') regenerate();
      all();
    } else if (path === 'package-lock.json') {
      plan.recycleSpares = true;
      plan.restartCodegen = true;
      regenerate();
      all();
    } else if (path === 'codegen.ts' || (top === 'scripts' && second === 'codegen')) {
      plan.restartCodegen = true;
      regenerate();
      all();
    } else plan.ignored.push(path);
  }
  return plan;
}
