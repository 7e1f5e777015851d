/**
 * `DEV_TYPECHECK=on npm run dev`: tsc in watch mode beside the BFFs, its errors printed as
 * `[tsc] file(line,col): error TS…: message`.
 *
 * Only reported, never a reason to hold a swap back: tsx strips types without checking them, so
 * code with a type error runs (what stops a module from loading, a syntax error or a missing
 * export, is caught when the new BFF starts). Off by default: on two cores, the first full check
 * costs more than the rest of the start put together.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { relay } from './output.ts';

const CHATTER = /Starting compilation in watch mode|File change detected|Starting incremental compilation|^\s*$/;

export function startTypecheck(root: string): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './scripts/dev/exit-with-parent.ts', 'node_modules/typescript/bin/tsc', '--noEmit', '-p', '.', '--watch', '--preserveWatchOutput', '--pretty', 'false'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  relay(child, 'tsc', { drop: CHATTER });
  return child;
}
