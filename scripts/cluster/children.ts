/**
 * Every process the cluster starts (replicas, mocks, HAProxy, redis-server), until it exits:
 * killed if this process exits first, so a failed test or an interrupted proof leaves none behind.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}
