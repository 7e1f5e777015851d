/**
 * The programs from Debian that `npm test` and `npm run deploy:check` need, where the tests look
 * for them, and the package that brings each. `npm test`'s pretest (main.ts) installs what is
 * missing, so a missing one is a failing test, never a skipped one.
 */

/** The browser of test/browser/, driven by playwright-core (which never downloads one). */
export const CHROMIUM = '/usr/bin/chromium';
/** The caching proxy of test/caching/caching-proxy.test.ts. */
export const NGINX = '/usr/sbin/nginx';
/** The balancer of test/cluster/ and `npm run cluster`; `haproxy -c` of `npm run deploy:check`. */
export const HAPROXY = '/usr/sbin/haproxy';
/** The Redis every store test shares at 127.0.0.1:6379, and the ones some tests start of their own. */
export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_CLI = '/usr/bin/redis-cli';

export interface DebianTool {
  /** The name given on the command line: `tsx scripts/prerequisites/main.ts haproxy`. */
  name: string;
  binary: string;
  debianPackage: string;
}

export const DEBIAN_TOOLS: readonly DebianTool[] = [
  { name: 'chromium', binary: CHROMIUM, debianPackage: 'chromium' },
  { name: 'nginx', binary: NGINX, debianPackage: 'nginx-light' },
  { name: 'haproxy', binary: HAPROXY, debianPackage: 'haproxy' },
  { name: 'redis', binary: REDIS_SERVER, debianPackage: 'redis-server' },
  // redis-tools, which redis-server depends on: test/support/redis-server.ts pings with it.
  { name: 'redis', binary: REDIS_CLI, debianPackage: 'redis-server' },
];
