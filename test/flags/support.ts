import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repository's definitions, as a starting point a test edits. */
export const REPOSITORY_FLAGS = JSON.parse(readFileSync(new URL('../../flags/flags.json', import.meta.url), 'utf8')) as { flags: Record<string, any> };

/** A flagd definitions file of the test's own, in a directory of its own; `write` replaces it as an editor does (write, then rename). */
export function flagsFile(flags: Record<string, unknown>) {
  const directory = mkdtempSync(join(tmpdir(), 'flags-'));
  const path = join(directory, 'flags.json');
  let writes = 0;
  const write = (text: string) => {
    const next = join(directory, `.flags.json.${++writes}`);
    writeFileSync(next, text);
    renameSync(next, path);
  };
  write(JSON.stringify({ $schema: 'https://flagd.dev/schema/v0/flags.json', flags }));
  return { path, write, writeFlags: (next: Record<string, unknown>) => write(JSON.stringify({ flags: next })) };
}

/** `row-order` with `trending-first` for `percent` of the viewers (fractional: sticky per viewer). */
export const rowOrder = (percent: number) => ({
  state: 'ENABLED',
  variants: { 'continue-first': 'continue-first', 'trending-first': 'trending-first' },
  defaultVariant: 'continue-first',
  targeting: { fractional: [['trending-first', percent], ['continue-first', 100 - percent]] },
});

/** `top-picks-size` as one variant for everyone. */
export const topPicksSize = (variant: 'control' | 'small') => ({ state: 'ENABLED', variants: { control: 20, small: 12 }, defaultVariant: variant });

/** Polls `check` until it holds or `ms` pass. */
export async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}
