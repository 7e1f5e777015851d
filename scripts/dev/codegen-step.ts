/**
 * The supervisor's side of the codegen step: one warm worker process (codegen-worker.ts), asked
 * to regenerate a few clients or everything, one request at a time (two codegen runs writing the
 * same files at once would interleave).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { CodegenReply } from './codegen-worker.ts';
import { relay } from './output.ts';

export type CodegenResult = { ok: true; outputs: { filename: string; content: string }[]; ms: number } | { ok: false; error: string; ms: number };

export class CodegenStep {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: CodegenReply) => void>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly root: string) {}

  /** Starts the worker now, so the first save does not pay for loading the codegen CLI. */
  warm(): void {
    this.ensure();
  }

  /** codegen.ts or a plugin changed: the next request loads them afresh in a new worker. */
  restart(): void {
    const old = this.child;
    this.child = undefined;
    this.ready = undefined;
    old?.kill('SIGTERM');
  }

  run(clients: string[] | 'all'): Promise<CodegenResult> {
    const result = this.queue.then(() => this.request(clients));
    this.queue = result.catch(() => undefined);
    return result;
  }

  stop(): void {
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }

  private ensure(): Promise<void> {
    if (this.ready) return this.ready;
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev/codegen-worker.ts'], { cwd: this.root, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    relay(child, 'codegen');
    this.ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`the codegen worker exited (${signal ?? code}) while loading codegen.ts`)));
    });
    child.on('message', (reply: CodegenReply | { ready: true }) => {
      if (!('id' in reply)) return;
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    child.on('exit', (code, signal) => {
      // Whatever was asked of it is answered with the exit, so no build waits forever.
      for (const [id, answer] of this.waiting) answer({ id, ok: false, error: `the codegen worker exited (${signal ?? code})` });
      this.waiting.clear();
      if (this.child === child) {
        this.child = undefined;
        this.ready = undefined;
      }
    });
    // Not a reason for the supervisor to fail: the next request starts a new worker.
    this.ready.catch(() => undefined);
    return this.ready;
  }

  private async request(clients: string[] | 'all'): Promise<CodegenResult> {
    const started = performance.now();
    try {
      await this.ensure();
    } catch (error) {
      // codegen.ts itself does not load (a syntax error in it): that is the error to show.
      return { ok: false, error: (error as Error).message, ms: performance.now() - started };
    }
    const id = this.nextId++;
    const reply = await new Promise<CodegenReply>((resolve) => {
      const child = this.child;
      if (!child?.connected) return resolve({ id, ok: false, error: 'the codegen worker exited; the next change starts a new one' });
      this.waiting.set(id, resolve);
      child.send({ id, clients });
    });
    const ms = performance.now() - started;
    return reply.ok ? { ok: true, outputs: reply.outputs, ms } : { ok: false, error: reply.error, ms };
  }
}
