import { describe, expect, test } from 'vitest';
import type { Passage } from '../../bffs/kit/perimeter/pipeline.ts';
import { clientAddressStage } from '../../bffs/kit/perimeter/stages/client-address.ts';

const addressOf = (hops: number, peer: string, forwardedFor?: string) => {
  const passage = { request: { method: 'POST', peer, params: {}, headers: { get: (name: string) => (name === 'x-forwarded-for' ? forwardedFor ?? null : null) } }, headers: {} } as Passage;
  clientAddressStage(hops)(passage);
  return passage.clientAddress;
};

describe('the address the address budget is kept for', () => {
  test('is the socket peer when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    expect(addressOf(0, '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  test('behind one trusted proxy, is the address that proxy saw: the right-most entry', () => {
    expect(addressOf(1, '10.0.0.2', 'spoofed, 198.51.100.7')).toBe('198.51.100.7');
    expect(addressOf(2, '10.0.0.2', 'spoofed, 198.51.100.7, 10.0.0.9')).toBe('198.51.100.7');
  });

  test('IPv6 counts per /64, and IPv4-mapped addresses as IPv4', () => {
    expect(addressOf(0, '2001:db8:85a3:12:aaaa::1')).toBe('2001:db8:85a3:12::/64');
    expect(addressOf(0, '2001:db8:85a3:12:bbbb:cccc:dddd:eeee')).toBe('2001:db8:85a3:12::/64');
    expect(addressOf(0, '2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressOf(0, '::ffff:192.0.2.4')).toBe('192.0.2.4');
  });
});
