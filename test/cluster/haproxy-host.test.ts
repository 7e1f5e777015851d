import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../bffs/kit/errors.ts';
import { HAPROXY, HOST_CHECK, haproxyInstalled, startHaproxy, type RunningHaproxy } from '../../scripts/cluster/haproxy.ts';
import { freeLayout, type Layout } from '../../scripts/cluster/layout.ts';
import { exchange } from '../support/raw-socket.ts';

/**
 * The balancer refuses a bad `Host` itself (RFC 9112 §3.2), with the BFFs' catalog body, before
 * any replica sees it: Debian's HAProxy with the cluster's configuration, in front of a stand-in
 * replica that records what reaches it. compose's haproxy.cfg carries the same rule.
 */

const available = haproxyInstalled();
const onCi = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);
if (!available && !onCi) console.warn(`test/cluster: ${HAPROXY} is missing, skipping (apt-get install -y haproxy; under CI this fails)`);
const suite = available || onCi ? describe : describe.skip;

suite('HAProxy in front: the Host check', () => {
  let dir: string;
  let layout: Layout;
  let replica: Server;
  let haproxy: RunningHaproxy;
  const reached: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concierge-haproxy-host-'));
    layout = await freeLayout({ clients: ['mobile'], replicas: 1 });
    replica = createServer((req, res) => {
      if (req.url !== '/ready') reached.push(`${req.headers.host} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((resolve) => replica.listen(layout.replicas[0]!.port, '127.0.0.1', resolve));
    haproxy = await startHaproxy(dir, { layout });
    await haproxy.waitFor('mobile-1', 'UP');
  }, 30_000);
  afterAll(async () => {
    await haproxy?.stop();
    await new Promise((resolve) => replica?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const front = () => `http://127.0.0.1:${layout.front.mobile}`;
  const get = (hostLines: string) => `GET /health HTTP/1.1\r\n${hostLines}\r\nConnection: close\r\n\r\n`;

  it.each([
    ['a space in Host', 'Host: a b'],
    ['an unclosed IPv6 literal', 'Host: [::1'],
    ['a path in Host', 'Host: x/y'],
  ])('%s: 400 INVALID_HOST from HAProxy, and no replica sees it', async (_case, hostLines) => {
    const answer = await exchange(front(), get(hostLines));
    expect(answer.status).toBe(ERRORS.INVALID_HOST.status);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'INVALID_HOST' } }] });
    expect(reached).toEqual([]);
  });

  it('two Host lines: 400, and no replica sees it (HAProxy\'s own parser refuses them first)', async () => {
    const answer = await exchange(front(), get('Host: a.example\r\nHost: b.example'));
    expect(answer.status).toBe(400);
    expect(reached).toEqual([]);
  });

  it.each([['a name and port', 'Host: bff.example:4001'], ['an IPv6 literal', 'Host: [::1]:4001'], ['an address', 'Host: 10.0.0.7']])('%s passes to a replica', async (_case, hostLines) => {
    reached.length = 0;
    const answer = await exchange(front(), get(hostLines));
    expect(answer.status).toBe(200);
    expect(reached).toEqual([`${hostLines.slice('Host: '.length)} /health`]);
  });

  it("compose's haproxy.cfg has the same rule in each of its frontends", () => {
    const compose = readFileSync(new URL('../../deploy/compose/haproxy.cfg', import.meta.url), 'utf8');
    const frontends = compose.split(/\n(?=frontend )/).filter((block) => block.startsWith('frontend '));
    expect(frontends.length).toBeGreaterThan(0);
    for (const block of frontends) for (const line of HOST_CHECK.split('\n')) expect(block).toContain(line.trim());
  });
});
