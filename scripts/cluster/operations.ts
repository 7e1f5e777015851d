/**
 * What an operator does to the cluster, timed: a rolling restart (each replica in turn gets
 * SIGTERM, exits, starts again, and is back in HAProxy's rotation before the next one goes), and
 * a `kill -9` with the requests HAProxy had in flight on that replica at the moment.
 */
import type { Cluster, ExitReport } from './cluster.ts';

export interface RestartStep {
  id: string;
  oldPid?: number;
  newPid?: number;
  exit: ExitReport;
  /** From SIGTERM until HAProxy's checks marked it DOWN (undefined: it exited before they did). */
  downAfterMs?: number;
  /** From the new process's spawn until its own /ready answered 200. */
  startMs: number;
  /** From then until HAProxy marked it UP again. */
  upMs: number;
}

/** Replaces each replica in turn; never two out of rotation at once. */
export async function rollingRestart(cluster: Cluster, ids: readonly string[], onStep?: (step: RestartStep) => void): Promise<RestartStep[]> {
  const steps: RestartStep[] = [];
  for (const id of ids) {
    const replica = cluster.replica(id);
    const oldPid = replica.pid();
    const signalled = Date.now();
    let downAfterMs: number | undefined;
    let exited = false;
    const watchDown = (async () => {
      while (!exited) {
        const row = await cluster.haproxy.server(id).catch(() => undefined);
        if (row?.status.startsWith('DOWN')) {
          downAfterMs = Date.now() - signalled;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const exit = await replica.terminate();
    exited = true;
    await watchDown;
    const spawned = Date.now();
    await replica.start();
    const startMs = Date.now() - spawned;
    const upMs = await cluster.haproxy.waitFor(id, 'UP');
    const step = { id, oldPid, newPid: replica.pid(), exit, downAfterMs, startMs, upMs };
    steps.push(step);
    onStep?.(step);
  }
  return steps;
}

export interface Kill {
  id: string;
  pid?: number;
  /** Date.now() just before SIGKILL. */
  at: number;
  /** Date.now() once the process was seen to exit (its sockets closed). */
  exitedAt: number;
  /**
   * Requests HAProxy had on the replica when it died: those on it when it was frozen (SIGSTOP:
   * nothing on it can finish from then on), plus every request HAProxy gave it from then until
   * just after it exited (its `stot` counter's growth). A dying process keeps its sockets for a
   * few milliseconds after SIGKILL, and what HAProxy sends it meanwhile dies with it, often
   * between two reads of `scur`, so the counter counts those and a sampled `scur` would not.
   * A request HAProxy retried elsewhere is counted too: the figure is an upper bound.
   */
  inFlight: number;
  /** Requests on the replica when it was frozen (scur). */
  frozenScur: number;
  /** Requests HAProxy gave the replica between the freeze and just after the exit (stot's growth). */
  sentWhileDying: number;
}

/**
 * `kill -9`, with the requests in flight on the replica at that instant counted by HAProxy. The
 * replica is frozen (SIGSTOP) for the one stats read before it is killed, so that read does not
 * race the requests a running process is finishing.
 */
export async function killReplica(cluster: Cluster, id: string): Promise<Kill> {
  const replica = cluster.replica(id);
  const pid = replica.pid();
  if (!pid) throw new Error(`${id} is not running`);
  const row = async () => {
    const stat = await cluster.haproxy.server(id);
    return { scur: Number(stat?.scur ?? 0), stot: Number(stat?.stot ?? 0) };
  };
  process.kill(pid, 'SIGSTOP');
  const frozen = await row();
  const at = Date.now();
  await replica.kill();
  const exitedAt = Date.now();
  const sentWhileDying = (await row()).stot - frozen.stot;
  return { id, pid, at, exitedAt, inFlight: frozen.scur + sentWhileDying, frozenScur: frozen.scur, sentWhileDying };
}
