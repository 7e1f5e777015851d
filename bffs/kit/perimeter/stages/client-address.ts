import type { ScreenStage } from '../pipeline.ts';

/**
 * The address the address budget is kept for. The socket's peer, unless the BFF sits behind
 * `trustedProxyHops` proxies (`TRUSTED_PROXY_HOPS`): then the address the outermost trusted proxy
 * saw, read from the right of `X-Forwarded-For` (entries further left are the client's to
 * invent). IPv6 addresses count per /64, the block one subscriber is usually given, so a client
 * cannot get a fresh budget by moving within it.
 */
export function clientAddressStage(trustedProxyHops: number): ScreenStage {
  return (passage) => {
    let address = passage.request.peer;
    if (trustedProxyHops > 0) {
      const forwarded = (passage.request.headers.get('x-forwarded-for') ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
      address = forwarded[forwarded.length - trustedProxyHops] ?? forwarded[0] ?? address;
    }
    passage.clientAddress = budgetKey(address);
  };
}

function budgetKey(address: string): string {
  const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!plain.includes(':')) return plain;
  const [head = '', tail = ''] = plain.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = plain.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
