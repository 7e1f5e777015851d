/**
 * Each client's in-flight caps leave every viewer a fair share (README: Perimeter): one viewer,
 * or one client address, can hold at most part of any bulkhead and of the load shedder, so the
 * others' screens always find room. A cap raised past its share fails here, not in production.
 */
import { describe, expect, test } from 'vitest';
import { CLIENT_NAMES } from '../../bffs/clients.ts';
import { perimeterPolicyOf, resiliencePolicyOf } from '../support/clients.ts';

const CLIENTS = await Promise.all(CLIENT_NAMES.map(async (client) => [client, await perimeterPolicyOf(client), await resiliencePolicyOf(client)] as const));

describe.each(CLIENTS)('%s', (_, perimeter, resilience) => {
  test('one viewer may hold at most a quarter of a bulkhead, one address at most half', () => {
    expect(perimeter.inFlight.viewer * 4).toBeLessThanOrEqual(resilience.bulkhead);
    expect(perimeter.inFlight.ip * 2).toBeLessThanOrEqual(resilience.bulkhead);
    expect(perimeter.inFlight.ip).toBeLessThan(resilience.shedding.maxInFlight);
  });

  test('an address holds more than one viewer (carrier NAT puts many behind one)', () => {
    expect(perimeter.inFlight.ip).toBeGreaterThan(perimeter.inFlight.viewer);
  });
});
