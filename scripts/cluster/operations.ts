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
   * Requests HAProxy had on the replica when it died: the highest `scur` read from the moment it
   * was frozen (SIGSTOP: nothing on it can finish from then on) until just after it exited.
   * A dying process keeps its sockets for a few milliseconds after SIGKILL, and what HAProxy sends
   * it meanwhile dies with it: those requests are in flight on it too.
   */
  inFlight: number;
  /** scur when frozen, and how many reads were taken until the exit. */
  scur: { frozen: number; max: number; reads: number };
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
  const scur = async () => Number((await cluster.haproxy.server(id))?.scur ?? 0);
  process.kill(pid, 'SIGSTOP');
  const frozen = await scur();
  let max = frozen;
  let reads = 1;
  const at = Date.now();
  let exited = false;
  const killed = replica.kill().then(() => (exited = true));
  while (!exited) {
    max = Math.max(max, await scur());
    reads++;
  }
  await killed;
  const exitedAt = Date.now();
  max = Math.max(max, await scur());
  return { id, pid, at, exitedAt, inFlight: max, scur: { frozen, max, reads: reads + 1 } };
}
