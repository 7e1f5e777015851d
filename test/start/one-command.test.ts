import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// Ports shifted by 1000, so this test never collides with a developer's own `npm start`.
const OFFSET = 1000;
const port = (base: number) => base + OFFSET;

let stack: ChildProcess;
let output = '';

function waitForOutput(text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      if (!output.includes(text)) return;
      clearTimeout(timer);
      resolve();
    };
    stack.stdout!.on('data', check);
    stack.stderr!.on('data', check);
    check();
  });
}

async function homeStatus(bffPort: number, token: string): Promise<number | 'down'> {
  try {
    const res = await fetch(`http://127.0.0.1:${bffPort}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ home { __typename } }' }),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'down';
  }
}

beforeAll(async () => {
  stack = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-all.ts'], {
    env: { ...process.env, CONCIERGE_PORT_OFFSET: String(OFFSET), LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  stack.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForOutput('Concierge is up', 60_000);
}, 70_000);

afterAll(async () => {
  if (stack.exitCode === null) {
    const exited = new Promise((resolve) => stack.once('exit', resolve));
    stack.kill('SIGTERM');
    await exited;
  }
});

describe('npm start', () => {
  test('prints where GraphiQL is for each client', () => {
    for (const p of [port(4000), port(4001), port(4002)]) expect(output).toContain(`http://127.0.0.1:${p}/graphql`);
  });

  test('killing one BFF process leaves the other two serving', async () => {
    const minted = await fetch(`http://127.0.0.1:${port(4100)}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'u_1' }),
    });
    const { access_token: token } = (await minted.json()) as { access_token: string };
    expect(await homeStatus(port(4001), token)).toBe(200);

    const mobilePid = Number(/\[bff-mobile\] started, pid (\d+)/.exec(output)![1]);
    process.kill(mobilePid, 'SIGKILL');
    await waitForOutput('[bff-mobile] exited', 5_000);

    expect(await homeStatus(port(4001), token)).toBe('down');
    expect(await homeStatus(port(4000), token)).toBe(200);
    expect(await homeStatus(port(4002), token)).toBe(200);
  });

  test('SIGTERM stops every process', async () => {
    const exited = new Promise<number | null>((resolve) => stack.once('exit', (code) => resolve(code)));
    stack.kill('SIGTERM');
    expect(await exited).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const p of [port(4000), port(4002), port(4100), port(4109)]) {
      await expect(fetch(`http://127.0.0.1:${p}/health`)).rejects.toThrow();
    }
  });
});
