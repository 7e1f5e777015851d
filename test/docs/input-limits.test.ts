import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MAX_CURSOR_LENGTH, MAX_ID_LENGTH, MAX_PARAMETER_DEPTH } from '../../bffs/kit/input-limits.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

describe("the README's Perimeter section", () => {
  test('states the input limits the kit enforces', () => {
    expect(readme).toContain(`\`variables\` and \`extensions\` nested at most ${MAX_PARAMETER_DEPTH} levels |`);
    expect(readme).toContain(`\`variables\` and \`extensions\` nest at most ${MAX_PARAMETER_DEPTH} levels, checked as they are read`);
    expect(readme).toContain(`(letters, digits, \`_\`, \`-\`; at most ${MAX_ID_LENGTH})`);
    expect(readme).toContain(`at most ${MAX_CURSOR_LENGTH} characters, exactly the base64url`);
  });
});
