/**
 * BFF processes, supervisor side: the warm spares (bff-child.ts) and turning one into a running
 * generation of a client, checked before any request is sent to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../bench/support/host.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StartMessage } from './bff-child.ts';
import { relay, type Relayed } from './output.ts';

export interface Spare {
  readonly child: ChildProcess;
  readonly output: Relayed;
  /** Resolves when its dependencies are loaded (or it died trying). */
  readonly warm: Promise<void>;
  isWarm: boolean;
}

export interface Generation {
  readonly client: string;
  /** `mobile#3` */
  readonly label: string;
  readonly child: ChildProcess;
  readonly origin: string;
  readonly output: Relayed;
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<string>;
}

export class StartFailure extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

// main.ts announces its internal port; the dev front's public URL was printed instead.
const INTERNAL_URL_LINE = /^\w+ BFF on http:\/\/127\.0\.0\.1:\d+\/graphql$/;

/**
 * Spares are client-agnostic (same flags, same environment; the client and port come with the
 * start message), so one pool serves every client. It holds one per client, so a change under
 * bffs/kit/, which replaces all of them at once, still finds a warm one for each.
 */
export class SparePool {
  private readonly idle: Spare[] = [];
  private stopped = false;
  private spawned = 0;

  constructor(
    private readonly root: string,
    private readonly nodeFlags: readonly string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly size: number,
  ) {}

  fill(): void {
    while (!this.stopped && this.idle.length < this.size) this.idle.push(this.spawn());
  }

  /** Resolves when every idle spare is warm: a save now swaps at full speed. */
  async whenWarm(): Promise<void> {
    await Promise.all(this.idle.map((spare) => spare.warm));
  }

  /**
   * A warm spare when there is one, else the one furthest along, else a new one (it loads the
   * same, only slower); the pool refills behind it.
   */
  take(): Spare {
    const at = this.idle.findIndex((spare) => spare.isWarm);
    const spare = this.idle.splice(Math.max(at, 0), 1)[0] ?? this.spawn();
    // Refill once the swap that needs the CPU now is done, not during it (two cores).
    setTimeout(() => this.fill(), 2_000).unref();
    return spare;
  }

  /** The dependencies changed (package-lock.json): spares that loaded the old ones are replaced. */
  recycle(): void {
    for (const spare of this.idle.splice(0)) spare.child.kill('SIGTERM');
    this.fill();
  }

  stop(): void {
    this.stopped = true;
    for (const spare of this.idle.splice(0)) spare.child.kill('SIGTERM');
  }

  private spawn(): Spare {
    const child = spawn(process.execPath, [...this.nodeFlags, '--import', 'tsx', 'scripts/dev/bff-child.ts'], {
      cwd: this.root,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const output = relay(child, `spare-${++this.spawned}`, { drop: INTERNAL_URL_LINE });
    child.on('exit', () => {
      const at = this.idle.findIndex((spare) => spare.child === child);
      if (at >= 0) this.idle.splice(at, 1);
    });
    const spare: Spare = {
      child,
      output,
      isWarm: false,
      warm: new Promise<void>((resolve) => {
        const done = () => {
          spare.isWarm = true;
          resolve();
        };
        child.on('message', (message: { type?: string }) => message.type === 'warm' && done());
        child.once('exit', done);
      }),
    };
    return spare;
  }
}


export interface StartOptions {
  client: string;
  entry: string;
  label: string;
  /** A token for the warm-up request, or undefined when identity does not mint them. */
  token: () => Promise<string | undefined>;
  timeoutMs?: number;
}

/**
 * Gives `spare` its client and waits until it is fit to serve: listening, `/health` and `/ready`
 * (identity's keys reachable) both 200, and one GraphQL request answered below 500, which also
 * warms the executor so the first request a user sends after the swap is not the slow one.
 * Throws StartFailure with the child's stderr when it exits or does not get there in time.
 */
export async function startGeneration(spare: Spare, { client, entry, label, token, timeoutMs = 20_000 }: StartOptions): Promise<Generation> {
  const { child, output } = spare;
  output.rename(label);
  output.hold();
  const exited = new Promise<string>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(String(child.signalCode ?? child.exitCode));
    else child.once('exit', (code, signal) => resolve(String(signal ?? code)));
  });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const generation: Generation = { client, label, child, origin, output, exited };
  let exitedWith: string | undefined;
  void exited.then((how) => (exitedWith = how));

  const fail = async (reason: string): Promise<never> => {
    if (exitedWith === undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    output.discard();
    throw new StartFailure(reason, output.stderr());
  };

  try {
    child.send({ type: 'start', entry, port } satisfies StartMessage);
  } catch {
    return fail('the process was gone before it could be started');
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitedWith !== undefined) return fail(`exited (${exitedWith}) before it was ready`);
    if (Date.now() > deadline) return fail(`not ready within ${timeoutMs / 1000} s (/health, /ready and a first query)`);
    if ((await status(`${origin}/health`)) === 200 && (await status(`${origin}/ready`)) === 200) break;
    await sleep(25);
  }
  const bearer = await token();
  const answered = await status(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  if (answered === undefined || answered >= 500) return fail(`answered its first GraphQL request with ${answered ?? 'no response'}`);
  output.release();
  return generation;
}

async function status(url: string, init: RequestInit = {}): Promise<number | undefined> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}
