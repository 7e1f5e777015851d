import { spawnSync } from 'node:child_process';
import { recordRelease } from '../contracts/release.ts';
import type { NewClient } from './names.ts';

/** Runs a command in `root`; its output is shown only when it fails. */
function run(root: string, command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(`\`${[command, ...args].join(' ')}\` failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}):\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
}

/** One step after the files are written: what it did, for the report, and how to run it by hand. */
export interface FollowUp {
  done: string;
  command: (client: NewClient) => string;
  run: (root: string, client: NewClient) => void;
}

/** `-t` runs only the client's own describe block of the snapshot test, `<name> <Name>Home`. */
const snapshotArgs = (client: NewClient) => ['vitest', 'run', 'test/bffs/snapshots.test.ts', '-t', `${client.name} ${client.pascal}Home`, '--update=new'];

/** What makes the new client servable, in order. */
export const FOLLOW_UPS: readonly FollowUp[] = [
  {
    done: 'ran npm run codegen (resolver types, SDK, trusted documents)',
    command: () => 'npm run codegen',
    run: (root) => run(root, 'npm', ['run', 'codegen']),
  },
  {
    done: 'recorded release 1.0.0 (npm run release)',
    command: (client) => `npm run release -- ${client.name} 1.0.0`,
    run: (root, client) => {
      recordRelease({ root, client: client.name, version: '1.0.0' });
    },
  },
  {
    // The SDK's version (sdk/version.generated.ts) is the release its documents are: 1.0.0 now.
    done: 'ran npm run codegen again (the SDK now sends x-client-version 1.0.0)',
    command: () => 'npm run codegen',
    run: (root) => run(root, 'npm', ['run', 'codegen']),
  },
  {
    // `--update=new` writes missing snapshots and rewrites none, so every other client's is left
    // as it is. (A bare `-u` before the file would take the file name as its value and run every file.)
    done: 'wrote its home snapshot (vitest --update=new on test/bffs/snapshots.test.ts, this client only)',
    command: (client) => `npx ${snapshotArgs(client).map((arg) => (arg.includes(' ') ? `'${arg}'` : arg)).join(' ')}`,
    run: (root, client) => run(root, 'npx', snapshotArgs(client)),
  },
  {
    // Its home's downstream calls are a new consumer's contract with the services (README: Contract tests).
    done: 'wrote its pacts with the services (npm run pact:consumer)',
    command: () => 'npm run pact:consumer',
    run: (root) => run(root, 'npm', ['run', 'pact:consumer']),
  },
];
