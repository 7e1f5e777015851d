import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { errorTable, perimeterTable, policyTable } from '../../scripts/readme-tables.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the README', () => {
  test('has the error table exactly as the catalog prints it', () => {
    expect(readme).toContain(errorTable());
  });

  test('has the resilience policy table exactly as the client policies print it', () => {
    expect(readme).toContain(policyTable());
  });

  test('has the perimeter table exactly as the client policies print it', () => {
    expect(readme).toContain(perimeterTable());
  });
});
