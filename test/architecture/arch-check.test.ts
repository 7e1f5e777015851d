/**
 * The architecture check (`npm run arch:check`: dependency-cruiser with .dependency-cruiser.cjs).
 * The tree passes it; and each rule refuses a violation planted in a small tree shaped like
 * bffs/ (a kit with its ground floor, transports and front door, a client and its SDK), which
 * passes before the plant, so each refusal is the plant's.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { CLIENT_NAMES } from '../../bffs/clients.ts';
import { folderPairs } from '../../scripts/architecture/folder-pairs.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const run = promisify(execFile);

interface Violation {
  rule: string;
  from: string;
  to: string;
}

interface CruiseResult {
  modules: { source: string; dependencies: { resolved: string; dependencyTypes: string[] }[] }[];
  summary: { totalCruised: number; violations: { from: string; to: string; rule: { name: string } }[] };
}

/** `depcruise bffs` with the project's rules, in `cwd`, as JSON (it exits non-zero on an error-severity violation). */
async function cruise(cwd: string): Promise<CruiseResult> {
  const args = [DEPCRUISE, 'bffs', '--config', CONFIG, '--output-type', 'json'];
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    stdout = (error as { stdout?: string }).stdout ?? '';
    if (!stdout) throw error;
  }
  return JSON.parse(stdout) as CruiseResult;
}

const violationsOf = (result: CruiseResult): Violation[] => result.summary.violations.map(({ rule, from, to }) => ({ rule: rule.name, from, to }));

describe('npm run arch:check on the tree', () => {
  test('passes, having cruised the kit and the clients, type-only imports included', async () => {
    const result = await cruise(ROOT);
    expect(violationsOf(result)).toEqual([]);
    const sources = result.modules.map((m) => m.source);
    for (const file of ['bffs/kit/index.ts', 'bffs/kit/core/headers.ts', ...CLIENT_NAMES.map((client) => `bffs/${client}/bff.ts`)]) expect(sources, file).toContain(file);
    // Each client reaches the kit through its front door, and its SDK through the request function.
    for (const client of CLIENT_NAMES) {
      const files = result.modules.filter((m) => m.source.startsWith(`bffs/${client}/`));
      const kitFiles = new Set(files.flatMap((m) => m.dependencies.map((d) => d.resolved)).filter((path) => path.startsWith('bffs/kit/')));
      expect([...kitFiles].sort(), client).toEqual(['bffs/kit/index.ts', 'bffs/kit/sdk/request.ts']);
    }
    // config.ts's only import of the trusted-documents mode is `import type`: it is seen.
    const config = result.modules.find((m) => m.source === 'bffs/kit/config.ts')!;
    const mode = config.dependencies.find((d) => d.resolved === 'bffs/kit/core/trusted-documents.ts');
    expect(mode?.dependencyTypes).toContain('type-only');
  }, 30_000);
});

/** A tree that passes every rule: the shape of bffs/ in a few lines. */
const PASSING: Record<string, string> = {
  'bffs/kit/core/headers.ts': 'export interface RequestHeaders { get(name: string): string | null }\n',
  'bffs/kit/config.ts': "import type { RequestHeaders } from './core/headers.ts';\nexport interface BffConfig { headers?: RequestHeaders }\n",
  'bffs/kit/perimeter/pipeline.ts': "import type { RequestHeaders } from '../core/headers.ts';\nexport interface Admitted { headers: RequestHeaders }\n",
  'bffs/kit/execution/execute.ts': "import type { RequestHeaders } from '../core/headers.ts';\nexport const execute = (headers: RequestHeaders) => headers;\n",
  'bffs/kit/request/lifecycle.ts': "import type { Admitted } from '../perimeter/pipeline.ts';\nimport { execute } from '../execution/execute.ts';\nexport const handle = (admitted: Admitted) => execute(admitted.headers);\n",
  'bffs/kit/server/fast-lane.ts': "import { handle } from '../request/lifecycle.ts';\nexport const createFastLane = () => handle;\n",
  'bffs/kit/server/yoga-lane.ts': "import { handle } from '../request/lifecycle.ts';\nexport const useYogaLane = () => handle;\n",
  'bffs/kit/sign-in/index.ts': "import type { Admitted } from '../perimeter/pipeline.ts';\nexport const signIn = { stages: [(admitted: Admitted) => admitted] };\n",
  'bffs/kit/server/create-bff.ts':
    "import type { BffConfig } from '../config.ts';\nimport { createFastLane } from './fast-lane.ts';\nimport { useYogaLane } from './yoga-lane.ts';\nimport { signIn } from '../sign-in/index.ts';\nexport const createBff = (config: BffConfig) => [config, createFastLane, useYogaLane, signIn];\n",
  'bffs/kit/sdk/request.ts': 'export const createClient = () => ({});\n',
  'bffs/kit/index.ts': "export { createBff } from './server/create-bff.ts';\nexport type { BffConfig } from './config.ts';\n",
  'bffs/web/bff.ts': "import { createBff, type BffConfig } from '../kit/index.ts';\nexport const createWebBff = (config: BffConfig) => createBff(config);\n",
  'bffs/web/sdk/index.ts': "export { createClient } from '../../kit/sdk/request.ts';\n",
};

describe('each rule refuses a planted violation', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** The passing tree with `planted` written over it, cruised. */
  async function cruisePlanted(planted: Record<string, string>): Promise<CruiseResult> {
    dir = mkdtempSync(join(tmpdir(), 'concierge-arch-'));
    for (const [path, text] of Object.entries({ ...PASSING, ...planted })) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return cruise(dir);
  }
  const cruiseWith = async (planted: Record<string, string>): Promise<Violation[]> => violationsOf(await cruisePlanted(planted));

  test('the tree shaped like bffs/ passes as it is', async () => {
    expect(await cruiseWith({})).toEqual([]);
  });

  test('no-circular: two kit files importing each other, by type-only imports', async () => {
    const violations = await cruiseWith({
      'bffs/kit/observability/observation.ts': "import type { Admitted } from '../perimeter/pipeline.ts';\nexport interface Observation { admitted?: Admitted }\n",
      'bffs/kit/perimeter/pipeline.ts':
        "import type { RequestHeaders } from '../core/headers.ts';\nimport type { Observation } from '../observability/observation.ts';\nexport interface Admitted { headers: RequestHeaders; observation?: Observation }\n",
    });
    // dependency-cruiser names the cycle once, by the edge it met it on.
    expect(violations.map((v) => v.rule)).toEqual(['no-circular']);
    expect([violations[0]!.from, violations[0]!.to].sort()).toEqual(['bffs/kit/observability/observation.ts', 'bffs/kit/perimeter/pipeline.ts']);
  });

  test('core-is-the-ground-floor: a core type importing from a floor above', async () => {
    const violations = await cruiseWith({
      'bffs/kit/core/deadline.ts': "import type { BffConfig } from '../config.ts';\nexport type DeadlineSource = BffConfig;\n",
    });
    expect(violations).toEqual([{ rule: 'core-is-the-ground-floor', from: 'bffs/kit/core/deadline.ts', to: 'bffs/kit/config.ts' }]);
  });

  test('clients-through-the-front-door: a client importing a kit file but the front door', async () => {
    const violations = await cruiseWith({
      'bffs/web/needs.ts': "import type { BffConfig } from '../kit/config.ts';\nexport type WebConfig = BffConfig;\n",
    });
    expect(violations).toEqual([{ rule: 'clients-through-the-front-door', from: 'bffs/web/needs.ts', to: 'bffs/kit/config.ts' }]);
  });

  test("sdk-imports-the-kit-request-only: a client's SDK importing the front door (the server)", async () => {
    const violations = await cruiseWith({
      'bffs/web/sdk/index.ts': "export { createClient } from '../../kit/sdk/request.ts';\nexport type { BffConfig } from '../../kit/index.ts';\n",
    });
    expect(violations).toEqual([{ rule: 'sdk-imports-the-kit-request-only', from: 'bffs/web/sdk/index.ts', to: 'bffs/kit/index.ts' }]);
  });

  test('perimeter-under-caching: the perimeter importing a caching type', async () => {
    const violations = await cruiseWith({
      'bffs/kit/caching/cache-hints.ts': "export interface CachePolicy { maxAge: number }\n",
      'bffs/kit/perimeter/index.ts': "import type { CachePolicy } from '../caching/cache-hints.ts';\nexport type Defaults = CachePolicy;\n",
    });
    expect(violations).toEqual([{ rule: 'perimeter-under-caching', from: 'bffs/kit/perimeter/index.ts', to: 'bffs/kit/caching/cache-hints.ts' }]);
  });

  test('stores-under-features: a store importing a caching type', async () => {
    const violations = await cruiseWith({
      'bffs/kit/caching/cache-hints.ts': "export interface CachePolicy { maxAge: number }\n",
      'bffs/kit/stores/response-cache/backend.ts': "import type { CachePolicy } from '../../caching/cache-hints.ts';\nexport interface CachedAnswer { policy: CachePolicy }\n",
    });
    expect(violations).toEqual([{ rule: 'stores-under-features', from: 'bffs/kit/stores/response-cache/backend.ts', to: 'bffs/kit/caching/cache-hints.ts' }]);
  });

  test('transports-only-from-assembly: a kit file but create-bff.ts importing a transport', async () => {
    const violations = await cruiseWith({
      'bffs/kit/observability/lanes.ts': "import type { createFastLane } from '../server/fast-lane.ts';\nexport type Lane = typeof createFastLane;\n",
    });
    expect(violations).toEqual([{ rule: 'transports-only-from-assembly', from: 'bffs/kit/observability/lanes.ts', to: 'bffs/kit/server/fast-lane.ts' }]);
  });

  test('<floor>-points-down: execution importing the perimeter above it', async () => {
    const violations = await cruiseWith({
      'bffs/kit/execution/execute.ts': "import type { Admitted } from '../perimeter/pipeline.ts';\nexport const execute = (admitted: Admitted) => admitted.headers;\n",
    });
    expect(violations).toEqual([{ rule: 'execution-points-down', from: 'bffs/kit/execution/execute.ts', to: 'bffs/kit/perimeter/pipeline.ts' }]);
  });

  test('folders-import-one-way: two kit folders that import each other, counted from the cruise', async () => {
    const result = await cruisePlanted({
      'bffs/kit/observability/observation.ts': "import type { RequestHeaders } from '../core/headers.ts';\nexport interface Observation { headers?: RequestHeaders }\n",
      'bffs/kit/stores/rate.ts': "import type { Observation } from '../observability/observation.ts';\nexport type Rate = Observation;\n",
      'bffs/kit/observability/rates.ts': "import type { Rate } from '../stores/rate.ts';\nexport type Rates = Rate[];\n",
    });
    // No cycle among files, so dependency-cruiser's rules pass; the folders still lean on each other.
    expect(violationsOf(result)).toEqual([]);
    expect(folderPairs(result.modules)).toEqual([{ pair: ['observability', 'stores'], imports: ['bffs/kit/observability/rates.ts → bffs/kit/stores/rate.ts', 'bffs/kit/stores/rate.ts → bffs/kit/observability/observation.ts'] }]);
    expect(folderPairs((await cruise(ROOT)).modules)).toEqual([]);
  });

  test('request-path-knows-no-wing: the perimeter naming sign-in', async () => {
    const violations = await cruiseWith({
      'bffs/kit/perimeter/stages/session.ts': "import type { signIn } from '../../sign-in/index.ts';\nexport type SignIn = typeof signIn;\n",
    });
    expect(violations).toEqual([{ rule: 'request-path-knows-no-wing', from: 'bffs/kit/perimeter/stages/session.ts', to: 'bffs/kit/sign-in/index.ts' }]);
  });

  test('live-events-under-the-request-path: the live events naming the perimeter', async () => {
    const violations = await cruiseWith({
      'bffs/kit/live/viewer-events.ts': "import type { Admitted } from '../perimeter/pipeline.ts';\nexport type Following = Admitted['viewer'];\n",
    });
    expect(violations).toEqual([{ rule: 'live-events-under-the-request-path', from: 'bffs/kit/live/viewer-events.ts', to: 'bffs/kit/perimeter/pipeline.ts' }]);
  });
});
