import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, test } from 'vitest';
import { FLAGS_CONTROL_FILE } from '../../bench/harness/systems.ts';
import { REPOSITORY_FLAGS } from '../flags/support.ts';

/**
 * concierge-flags measures what flag evaluation costs per MobileHome against concierge with flags
 * off, and its answers are compared with everyone's: its definitions must evaluate top-picks-size
 * for every home, as the real experiment does, and land every viewer in control.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pinnedText = readFileSync(`${ROOT}${FLAGS_CONTROL_FILE}`, 'utf8');

describe("the benchmark's flag definitions (concierge-flags)", () => {
  test("are the repository's flags/flags.json, with top-picks-size's split given wholly to its default variant", () => {
    const expected = structuredClone(REPOSITORY_FLAGS);
    const flag = expected.flags['top-picks-size'];
    flag.targeting = { fractional: flag.targeting.fractional.map(([variant]: [string, number]) => [variant, variant === flag.defaultVariant ? 100 : 0]) };
    expect(JSON.parse(pinnedText), `${FLAGS_CONTROL_FILE} has drifted from flags/flags.json: copy it again, with top-picks-size's split 100 for ${flag.defaultVariant} and 0 for the rest`).toEqual(expected);
  });

  test('put 1,000 viewers of 1,000 in control through the split, evaluated rather than defaulted', () => {
    const core = new FlagdCore();
    core.setConfigurations(pinnedText);
    const outcomes = new Set<string>();
    for (let i = 1; i <= 1_000; i++) {
      const { value, variant, reason } = core.resolveNumberEvaluation('top-picks-size', 12, { targetingKey: `u_${i}` });
      outcomes.add(`${variant}=${value} (${reason})`);
    }
    expect([...outcomes]).toEqual(['control=20 (TARGETING_MATCH)']);
  });
});
