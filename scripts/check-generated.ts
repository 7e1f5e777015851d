/**
 * `npm run codegen:check` (CI): runs codegen, then fails when any generated file differs from the
 * committed one, and says which of two things went wrong, since they are fixed differently:
 * - **stale**: codegen rewrote the file just now, so a source (an SDL, an operation file, an
 *   OpenAPI document, codegen.ts) changed after codegen last ran: run `npm run codegen`, commit;
 * - **not committed**: the file was already what codegen writes, but that differs from the
 *   commit (or the file is new): commit it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

const GENERATED = ['*.generated.ts', '*.generated.json'];

/** Generated files git sees as changed or new, with a digest of their content. */
function changedFiles(): Map<string, string> {
  const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ...GENERATED], { encoding: 'utf8' });
  const files = new Map<string, string>();
  for (const line of status.split('\n').filter(Boolean)) {
    const path = line.slice(3);
    files.set(path, existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'deleted');
  }
  return files;
}

const before = changedFiles();
execFileSync(process.execPath, ['node_modules/@graphql-codegen/cli/cjs/bin.js', '--config', 'codegen.ts'], { stdio: ['ignore', 'ignore', 'inherit'] });
const after = changedFiles();
const digest = (path: string) => (existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'deleted');

const stale: string[] = [];
const uncommitted: string[] = [];
for (const path of after.keys()) (before.get(path) === digest(path) ? uncommitted : stale).push(path);

if (stale.length || uncommitted.length) {
  if (stale.length) console.error(`Stale: codegen rewrote these, so their sources changed after codegen last ran. Run \`npm run codegen\`, then commit:\n  ${stale.join('\n  ')}`);
  if (uncommitted.length) console.error(`Not committed: these already match codegen's output but not the commit. Commit them:\n  ${uncommitted.join('\n  ')}`);
  process.exit(1);
}
console.log('Generated code matches codegen.ts and is committed.');
