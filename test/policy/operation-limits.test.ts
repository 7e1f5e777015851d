/**
 * Every operation a client app ships fits its client's operation limits, with its real measure
 * (armor's rules, as the perimeter applies them), and so does every document in its manifest of
 * trusted documents. A new operation over a limit fails here, in CI, not at a user's request.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, test } from 'vitest';
import { createOperationLimits } from '../../bffs/kit/execution/operation-limits.ts';
import type { PerimeterPolicy } from '../../bffs/kit/core/perimeter-policy.ts';
import { CLIENT_NAMES } from '../../bffs/clients.ts';
import { perimeterPolicyOf } from '../support/clients.ts';

/** Every client of bffs/clients.ts, with the perimeter of its policy.ts. */
const CLIENTS: [string, PerimeterPolicy][] = await Promise.all(CLIENT_NAMES.map(async (client) => [client, await perimeterPolicyOf(client)] as [string, PerimeterPolicy]));
const root = new URL('../../', import.meta.url);

describe.each(CLIENTS)('%s', (client, policy) => {
  const schema = buildSchema(readFileSync(new URL(`schemas/${client}.graphql`, root), 'utf8'));
  const limits = createOperationLimits(policy.limits);
  const files = readdirSync(new URL(`bffs/${client}/operations/`, root)).filter((f) => f.endsWith('.graphql'));
  const manifest = Object.values(JSON.parse(readFileSync(new URL(`bffs/${client}/generated/trusted-documents.generated.json`, root), 'utf8')) as Record<string, string>);

  test.each(files)('%s fits every limit', (file) => {
    const text = readFileSync(new URL(`bffs/${client}/operations/${file}`, root), 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThan(policy.maxBodyBytes);
    const { cost } = limits.weigh(schema, limits.parse(text));
    expect(cost).toBeLessThanOrEqual(policy.limits.cost);
    // A viewer can afford many of its own screens per window.
    expect(cost * 20).toBeLessThanOrEqual(policy.rateLimits.viewer.points);
  });

  test('every trusted document of the manifest fits too', () => {
    expect(manifest.length).toBe(files.length);
    for (const text of manifest) expect(() => limits.weigh(schema, limits.parse(text))).not.toThrow();
  });
});
