/**
 * The systems under test, in one place. Each is a server started as `node --import tsx <entry>`
 * with PORT and `<SERVICE>_URL` for every downstream service, answering `POST /graphql` with the
 * MobileHome document the same way ours does.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface System {
  name: SystemName;
  /** Relative to the repository root. */
  entry: string;
  description: string;
  /** Added to the server's environment. */
  env?: Record<string, string>;
  /** Only run when BENCH_SYSTEMS names it. */
  optIn?: boolean;
}

export const SYSTEM_NAMES = ['concierge', 'floor', 'mercurius', 'apollo', 'concierge-yoga'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

export const SYSTEMS: Record<SystemName, System> = {
  concierge: { name: 'concierge', entry: 'bffs/mobile/main.ts', description: 'ours: the graphql-yoga mobile BFF, plain POSTs on its fast lane' },
  floor: { name: 'floor', entry: 'bench/peers/floor.ts', description: 'hand-written node:http + undici, no GraphQL engine: the cost floor' },
  mercurius: { name: 'mercurius', entry: 'bench/peers/mercurius.ts', description: 'Fastify + Mercurius' },
  apollo: { name: 'apollo', entry: 'bench/peers/apollo.ts', description: 'Apollo Server' },
  // What the fast lane is worth: the same BFF with every request on yoga's full path.
  'concierge-yoga': {
    name: 'concierge-yoga',
    entry: 'bffs/mobile/main.ts',
    description: 'ours with FAST_LANE=off: every request on yoga\'s full path',
    env: { FAST_LANE: 'off' },
    optIn: true,
  },
};

/**
 * The systems to run: all by default, or the comma-separated `BENCH_SYSTEMS` (always with
 * concierge, since every ratio is taken against it). A missing entry file is an error, never a
 * silent skip: a suite that quietly compares fewer systems would report ratios nobody asked for.
 */
export function selectSystems(root: string, env: NodeJS.ProcessEnv = process.env): System[] {
  const requested = env.BENCH_SYSTEMS
    ? env.BENCH_SYSTEMS.split(',').map((s) => s.trim()).filter(Boolean)
    : SYSTEM_NAMES.filter((name) => !SYSTEMS[name].optIn);
  for (const name of requested) {
    if (!(SYSTEM_NAMES as readonly string[]).includes(name)) throw new Error(`BENCH_SYSTEMS: unknown system "${name}" (known: ${SYSTEM_NAMES.join(', ')})`);
  }
  const names = SYSTEM_NAMES.filter((name) => name === 'concierge' || requested.includes(name));
  const systems = names.map((name) => SYSTEMS[name]);
  const missing = systems.filter((system) => !existsSync(join(root, system.entry)));
  if (missing.length > 0) {
    const list = missing.map((s) => `  ${s.name}: ${s.entry} does not exist`).join('\n');
    throw new Error(`cannot benchmark, a system's server is missing:\n${list}\n(choose systems with BENCH_SYSTEMS=concierge,floor,... to run without them)`);
  }
  return systems;
}
