/**
 * `npx tsx bench/young-generation-retention.ts [seconds]`: why serve.ts keeps its in-flight
 * responses in a linked list (bffs/kit/server/in-flight-responses.ts) and not in a Set. The same
 * small server (support/retention-server.ts) is loaded by autocannon at 32 connections, once per
 * way of keeping its in-flight responses, under V8's --trace-gc-nvp and the BFF's semi-space
 * (--max-semi-space-size=64); what each young collection promoted and how long it paused is read
 * from the trace. Taking a response out of an old Set or Map does not spare it: the next scavenge
 * still promotes it, with its whole request, and the pauses grow with what it copies.
 * The server is pinned to core 1 and autocannon to core 0 when the machine has two.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';

const seconds = Number(process.argv[2] ?? 6);
const ROOT = new URL('..', import.meta.url).pathname;
const pinned = availableParallelism() >= 2;

interface Outcome {
  keep: string;
  requests: number;
  scavenges: number;
  meanPauseMs: number;
  promotedKB: number;
}

async function measure(keep: string): Promise<Outcome> {
  const node = [process.execPath, '--max-semi-space-size=64', '--trace-gc-nvp', '--import', 'tsx', 'bench/support/retention-server.ts'];
  const [command, ...args] = pinned ? ['taskset', '-c', '1', ...node] : node;
  const child = spawn(command!, args, { cwd: ROOT, env: { ...process.env, RETENTION_KEEP: keep }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  while (!/listening (\d+)/.test(output)) await once(child.stdout, 'data');
  const port = Number(/listening (\d+)/.exec(output)![1]);
  const loadFrom = output.length; // collections during start-up are not the load's
  const result = await autocannon({ url: `http://127.0.0.1:${port}/`, method: 'POST', body: '{"documentId":"x"}', connections: 32, duration: seconds });
  child.kill('SIGTERM');
  await once(child, 'exit');
  const scavenges = [...output.slice(loadFrom).matchAll(/pause=([\d.]+) .*?\bgc=s\b.*?\bpromoted=(\d+)/g)].slice(2); // past the first, while the heap grows
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  return {
    keep,
    requests: result.requests.total,
    scavenges: scavenges.length,
    meanPauseMs: mean(scavenges.map((match) => Number(match[1]))),
    promotedKB: mean(scavenges.map((match) => Number(match[2]) / 1024)),
  };
}

if (pinned) {
  const { execFileSync } = await import('node:child_process');
  execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
}
console.log(`32 connections for ${seconds} s per way of keeping in-flight responses${pinned ? '; server on core 1, autocannon on core 0' : ''}`);
console.log('keeps in-flight responses in   requests  scavenges  mean pause (ms)  promoted per scavenge (KB)');
for (const keep of ['none', 'set', 'map', 'list']) {
  const { requests, scavenges, meanPauseMs, promotedKB } = await measure(keep);
  console.log(`${keep.padEnd(30)} ${String(requests).padStart(9)} ${String(scavenges).padStart(10)} ${meanPauseMs.toFixed(2).padStart(16)} ${promotedKB.toFixed(0).padStart(27)}`);
}
