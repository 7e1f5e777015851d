import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ERRORS } from '../../bffs/kit/errors.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's error table, row by row: `| \`CODE\` | status | description | how to solve |`. */
function readmeRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
  for (const line of section.split('\n')) {
    const m = /^\| `([A-Z_]+)` \| (.+) \|$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!.split(' | '));
  }
  return rows;
}

describe('the README error table', () => {
  test('lists every code of the catalog with its status, description and fix, and nothing else', () => {
    const rows = readmeRows();
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERRORS).sort());
    for (const [code, { status, description, solve }] of Object.entries(ERRORS)) {
      expect(rows.get(code), code).toEqual([String(status), description, solve]);
    }
  });
});
