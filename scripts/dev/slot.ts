/**
 * One client under `npm run dev`: its front, the generation serving behind it, and the swap.
 *
 * replace(): take a spare, start it as the next generation, check it (bff-process.ts). If it
 * fails, it is killed and the live generation keeps serving; the reason and its stderr are
 * printed. If it passes, the front switches to it in one assignment, then the old generation is
 * drained (its in-flight requests finish) and only then sent SIGTERM. Replacements of one client
 * run one at a time, and a request for one while another runs is folded into a single next one.
 */
import { DevFront, Target } from './front.ts';
import { startGeneration, StartFailure, type Generation, type SparePool } from './bff-process.ts';
import { complain, indent, say } from './output.ts';

const DRAIN_MS = 10_000;
const STOP_GRACE_MS = 6_000;
/** A generation that dies sooner than this after going live is not restarted until the next change. */
const CRASH_LOOP_MS = 5_000;

export interface SlotOptions {
  client: string;
  entry: string;
  spares: SparePool;
  token: () => Promise<string | undefined>;
}

export type ReplaceOutcome = { ok: true; label: string; startMs: number } | { ok: false; reason: string };

export class ClientSlot {
  readonly front: DevFront;
  private live: { generation: Generation; target: Target; since: number } | undefined;
  private count = 0;
  private running: Promise<ReplaceOutcome> | undefined;
  private again: Promise<ReplaceOutcome> | undefined;
  private stopping = false;
  private readonly retiring = new Set<Promise<void>>();

  constructor(private readonly options: SlotOptions) {
    this.front = new DevFront(options.client);
  }

  replace(): Promise<ReplaceOutcome> {
    if (!this.running) {
      this.running = this.swap().finally(() => (this.running = undefined));
      return this.running;
    }
    // One is starting from sources that may predate the latest save: run one more after it.
    this.again ??= this.running.then(() => {
      this.again = undefined;
      return this.replace();
    });
    return this.again;
  }

  /** Drains and stops every generation. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
    await this.front.close();
    const live = this.live;
    this.live = undefined;
    if (live) await this.retire(live.generation, live.target, false);
    await Promise.all(this.retiring);
  }

  private async swap(): Promise<ReplaceOutcome> {
    if (this.stopping) return { ok: false, reason: 'stopping' };
    const { client, entry, spares, token } = this.options;
    const label = `${client}#${++this.count}`;
    const started = performance.now();
    let generation: Generation;
    try {
      generation = await startGeneration(spares.take(), { client, entry, label, token });
    } catch (error) {
      const reason = error instanceof StartFailure ? error.message : String(error);
      const stderr = error instanceof StartFailure ? error.stderr : '';
      const keeping = this.live ? `still serving ${this.live.generation.label}, the last good version` : 'nothing is serving it yet';
      complain(`${label} did not start (${reason}); ${keeping}. Fix it and save: it is retried on the next change.\n${indent(stderr || '(no output)')}`);
      if (!this.live) this.front.switchTo(undefined, firstLine(stderr) || reason);
      return { ok: false, reason: firstLine(stderr) || reason };
    }
    if (this.stopping) {
      generation.child.kill('SIGTERM');
      return { ok: false, reason: 'stopping' };
    }
    const target = new Target(generation.origin, label);
    const previous = this.live;
    this.front.switchTo(target);
    this.live = { generation, target, since: Date.now() };
    this.watchForCrash(generation, target);
    if (previous) {
      const retiring = this.retire(previous.generation, previous.target, true);
      this.retiring.add(retiring);
      void retiring.finally(() => this.retiring.delete(retiring));
    }
    return { ok: true, label, startMs: performance.now() - started };
  }

  /** Waits for its in-flight requests, closes the front's pool to it, then SIGTERM (SIGKILL if it hangs). */
  private async retire(generation: Generation, target: Target, report: boolean): Promise<void> {
    const inFlight = target.active;
    const drained = await target.drained(DRAIN_MS);
    await target.close();
    generation.child.kill('SIGTERM');
    const killer = setTimeout(() => generation.child.kill('SIGKILL'), STOP_GRACE_MS);
    await generation.exited;
    clearTimeout(killer);
    if (report && !drained) complain(`${generation.label} still had requests running after ${DRAIN_MS / 1000} s; stopped anyway`);
    else if (report) say(`${generation.label} stopped after finishing its ${inFlight} request(s) in flight`);
  }

  /** A live generation that dies (an error thrown outside any request) is replaced once from the current sources. */
  private watchForCrash(generation: Generation, target: Target): void {
    void generation.exited.then((how) => {
      if (this.stopping || this.live?.generation !== generation) return;
      const lived = Date.now() - this.live.since;
      this.live = undefined;
      this.front.switchTo(undefined, `${generation.label} exited (${how})`);
      void target.close();
      if (lived < CRASH_LOOP_MS) {
        complain(`${generation.label} exited (${how}) ${lived} ms after it started; not restarting it until the next change.\n${indent(generation.output.stderr() || '(no output)')}`);
        return;
      }
      complain(`${generation.label} exited (${how}); starting a new one.`);
      void this.replace().then((outcome) => outcome.ok && say(`${outcome.label} is serving in place of ${generation.label}`));
    });
  }
}

/** The gist of a failed start for the front's 503: the first lines after the "did not load" header, on one line. */
function firstLine(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !/did not load:$/.test(line));
  return lines.slice(0, 3).join(' ').slice(0, 400);
}
