/**
 * The eleven downstream mocks, one process as under `npm start`. Started once; restarted only when
 * something under downstream-mocks/ changes (then every BFF is replaced too, see plan.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { relay } from './output.ts';

export class Mocks {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly root: string,
    private readonly offset: number,
  ) {}

  /** identity is the first port, search (4110, gRPC; its admin routes over HTTP/1.1) the last to listen: when it answers, all do. */
  get readyUrl(): string {
    return `http://127.0.0.1:${4110 + this.offset}/__admin/faults`;
  }

  get identityUrl(): string {
    return `http://127.0.0.1:${4100 + this.offset}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './scripts/dev/exit-with-parent.ts', 'downstream-mocks/src/main.ts'], {
      cwd: this.root,
      env: { ...process.env, MOCKS_PORT_OFFSET: String(this.offset) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    relay(child, 'mocks');
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      if (!this.stopping && this.child === child) console.error(`[mocks] exited (${signal ?? code}); the BFFs' downstream calls fail until a change under downstream-mocks/ restarts them`);
    });
    await this.waitReady(child);
  }

  /** Ctrl-C reaches the mocks straight from the terminal: their exit is expected from now on. */
  expectExit(): void {
    this.stopping = true;
  }

  async restart(): Promise<void> {
    await this.stop();
    this.stopping = false;
    await this.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 6_000);
    await this.exited;
    clearTimeout(killer);
  }

  private async waitReady(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('the mocks exited before they were up');
      try {
        const res = await fetch(this.readyUrl, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`the mocks did not answer ${this.readyUrl} within ${timeoutMs / 1000} s`);
  }
}
