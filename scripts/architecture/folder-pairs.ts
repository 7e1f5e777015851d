/**
 * The kit's folders that import each other both ways (a type-only import counts), which the
 * architecture check refuses beside dependency-cruiser's rules: a folder is a floor, and two
 * floors that lean on each other are one floor cut in two. dependency-cruiser's own rules name
 * single paths, so this pair-wise measure is counted here, from its JSON output.
 *
 * `npm run arch:check` runs it after depcruise; alone: `npx tsx scripts/architecture/folder-pairs.ts`.
 * Files at the kit's root (index.ts, errors.ts, config.ts…) are not a folder and are not counted.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface CruisedModule {
  source: string;
  dependencies: { resolved: string }[];
}

const KIT = 'bffs/kit/';

/** The folder of the kit a path is in, or undefined for the kit's root files and anything outside it. */
function folderOf(path: string): string | undefined {
  if (!path.startsWith(KIT)) return undefined;
  const rest = path.slice(KIT.length);
  const slash = rest.indexOf('/');
  return slash === -1 ? undefined : rest.slice(0, slash);
}

/** Each pair of kit folders that import each other, with one import each way for the reader to start from. */
export function folderPairs(modules: readonly CruisedModule[]): { pair: [string, string]; imports: [string, string] }[] {
  const firstImport = new Map<string, string>();
  for (const module of modules) {
    const from = folderOf(module.source);
    if (!from) continue;
    for (const { resolved } of module.dependencies) {
      const to = folderOf(resolved);
      if (to && to !== from && !firstImport.has(`${from}→${to}`)) firstImport.set(`${from}→${to}`, `${module.source} → ${resolved}`);
    }
  }
  const pairs: { pair: [string, string]; imports: [string, string] }[] = [];
  for (const [edge, example] of firstImport) {
    const [from, to] = edge.split('→') as [string, string];
    const back = firstImport.get(`${to}→${from}`);
    if (back && from < to) pairs.push({ pair: [from, to], imports: [example, back] });
  }
  return pairs.sort((a, b) => a.pair.join().localeCompare(b.pair.join()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const json = execFileSync(process.execPath, ['node_modules/dependency-cruiser/bin/dependency-cruiser.mjs', 'bffs', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  const pairs = folderPairs((JSON.parse(json) as { modules: CruisedModule[] }).modules);
  if (pairs.length === 0) {
    console.log('✔ no two folders of bffs/kit import each other both ways');
  } else {
    for (const { pair, imports } of pairs) console.error(`  error folders-import-one-way: ${pair[0]}/ ↔ ${pair[1]}/ (${imports[0]}; ${imports[1]})`);
    console.error(`\nx ${pairs.length} folder pair(s) of bffs/kit import each other both ways: move what both need down (to core/) or turn the import around.`);
    process.exit(1);
  }
}
