import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { STALL_MS, TAIL_PROBE_FLAGS, endTailRecording, startTailRecording, tailOf } from '../../bench/harness/tail.ts';
import type { TailProbeRecord } from '../../bench/support/tail-probe.ts';

/**
 * The suite's tail attribution (bench/harness/tail.ts): the probe a real process runs records its
 * loop stalls and collections, and the slowest requests of an open loop are charged to what fell
 * inside them.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tail-probe-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the tail probe in a process of its own', () => {
  test('records nothing until asked; asked, it records a 60 ms block of the loop and a forced full collection, and writes them when asked to end', async () => {
    // Once told on stdin, blocks its loop, forces a major collection, and says so.
    const script = `process.stdin.once('data', () => { const until = Date.now() + 60; while (Date.now() < until); globalThis.gc(); setTimeout(() => process.stdout.write('done\\n'), 30); }); process.stdout.write('ready\\n');`;
    const child = spawn(process.execPath, ['--expose-gc', ...TAIL_PROBE_FLAGS, '-e', script], { cwd: ROOT, env: { ...process.env, TAIL_PROBE_DIR: dir }, stdio: ['pipe', 'pipe', 'inherit'] });
    const said = (word: string) =>
      new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => chunk.toString().includes(word) && (child.stdout!.off('data', onData), resolve());
        child.stdout!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`the probed process exited (${code})`)));
      });
    try {
      await said('ready');
      // Not started: ending gives an empty record.
      const before = await endTailRecording(dir, child.pid!);
      expect(before).toEqual({ pid: child.pid, ticks: [], gcs: [] });

      startTailRecording(dir, child.pid!);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const done = said('done');
      child.stdin!.write('go\n');
      await done;
      const record = await endTailRecording(dir, child.pid!);
      expect(record.pid).toBe(child.pid);
      expect(Math.max(...record.ticks.map(([, delay]) => delay))).toBeGreaterThanOrEqual(50);
      expect(record.gcs.some(([, duration, kind]) => kind === 'major' && duration > 0)).toBe(true);
      // Timestamps are wall-clock, comparable with another process's.
      expect(Math.abs(record.ticks.at(-1)![0] - Date.now())).toBeLessThan(5_000);
    } finally {
      child.kill('SIGKILL');
    }
  }, 20_000);
});

describe('charging the slowest requests', () => {
  const t0 = 1_800_000_000_000;
  const ticks = (from: number, to: number, stalls: [at: number, delay: number][] = []): TailProbeRecord['ticks'] => {
    const list: TailProbeRecord['ticks'] = [];
    for (let at = from; at <= to; at += 5) list.push([at, 0.5]);
    return [...list, ...stalls].sort((a, b) => a[0] - b[0]);
  };
  // 200 requests, one every 5 ms, each 2 ms, but for the ones a stall or a pause fell inside.
  const due = Float64Array.from({ length: 200 }, (_, i) => t0 + i * 5);
  const latency = Float64Array.from({ length: 200 }, () => 2);
  latency[20] = 40; // during the server's GC pause at t0 + 101
  latency[100] = 45; // during the mocks' stall ending at t0 + 520
  latency[150] = 50; // nothing recorded while it was out
  const server: TailProbeRecord = { pid: 1, ticks: ticks(t0, t0 + 1_000), gcs: [[t0 + 101, 30, 'major'], [t0 + 600, 1.5, 'minor']] };
  const mocks: TailProbeRecord = { pid: 2, ticks: ticks(t0, t0 + 1_000, [[t0 + 520, STALL_MS + 20]]), gcs: [] };
  const generator: TailProbeRecord = { pid: 3, ticks: ticks(t0, t0 + 1_000), gcs: [] };

  const tail = tailOf({ dueAtMs: due, latencyMs: latency }, server, mocks, generator);

  test('each slow request is charged to the pause or stall that fell inside it, or to none', () => {
    expect(tail.slowest).toBe(3);
    expect(tail.slowWith.serverGc).toBeCloseTo(1 / 3);
    expect(tail.slowWith.rigStall).toBeCloseTo(1 / 3);
    expect(tail.slowWith.none).toBeCloseTo(1 / 3);
    expect(tail.slowWith.serverStall).toBe(0);
  });

  test("the server's collections and loop, and the rig's longest stalls, over the window", () => {
    expect(tail.serverGc).toEqual({ major: { count: 1, maxMs: 30, totalMs: 30 }, minor: { count: 1, maxMs: 1.5, totalMs: 1.5 } });
    expect(tail.serverGcMaxMs).toBe(30);
    expect(tail.serverLoopMaxMs).toBe(0.5);
    expect(tail.mocksLoopMaxMs).toBe(STALL_MS + 20);
    expect(tail.generatorLoopMaxMs).toBe(0.5);
  });

  test("the p99 outside the rig's stalls leaves out only the requests a rig stall fell inside", () => {
    // The mocks' stall spans t0 + 490 … t0 + 520: requests 98 to 103 were out during it.
    const inside = Array.from(due).filter((d, i) => d < t0 + 520 && d + latency[i]! > t0 + 490).length;
    expect(tail.outsideRigStalls).toBe(200 - inside);
    // Left: 40 and 50 ms among 2 ms ones; the p99 of 194 is their second-slowest.
    expect(tail.p99OutsideRigStallsMs).toBe(40);
  });
});
