import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * A throwaway copy of this working tree, for tests that prove a documented procedure (the
 * new-client scaffold, the README's "Adding a field") by doing it and running what it affects.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** The test runner's variables (vitest's, NODE_ENV=test, a BFF's settings) kept from the commands run in the copy. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dropped = /^(VITEST|VITE_|TEST$|NODE_ENV$|PORT$|HOST$|LOG_LEVEL$|CONCIERGE_PORT_OFFSET$|.*_URL$)/;
  return { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !dropped.test(key))), ...extra };
}

/** A command in the copy; its output without colours, or a rejection with its output when it fails. */
export async function inCopy(dir: string, command: string, args: string[], timeout = 120_000): Promise<string> {
  const plain = (text: string) => text.replace(/\u001b\[[\d;]*m/g, ''); // without colours
  try {
    const { stdout, stderr } = await run(command, args, { cwd: dir, env: cleanEnv(), timeout, maxBuffer: 32 * 1024 * 1024 });
    return plain(stdout + stderr);
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(plain(`${command} ${args.join(' ')} failed in the copy: ${message}\n${stdout}${stderr}`));
  }
}

/** The working tree as it is, committed or not, minus what is not source; node_modules linked. */
export function copyWorkingTree(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const skipped = new Set(['node_modules', '.git', '.tmp', 'coverage'].map((name) => join(ROOT, name)));
  cpSync(ROOT, dir, { recursive: true, filter: (source) => !skipped.has(source.replace(/\/$/, '')) });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}
