/**
 * What `npm test`'s prerequisites step decides when Debian tools are missing: the apt-get
 * commands it runs, as root or through sudo, and the refusal it prints without either.
 */
import { describe, expect, it } from 'vitest';
import { DEBIAN_TOOLS } from '../../scripts/prerequisites/debian-tools.ts';
import { planInstall } from '../../scripts/prerequisites/plan.ts';

const tool = (name: string) => DEBIAN_TOOLS.filter((candidate) => candidate.name === name);
const APT = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];

describe('the prerequisites plan', () => {
  it('does nothing when every binary is there', () => {
    expect(planInstall([], { uid: 1000, sudo: false })).toEqual({ kind: 'nothing' });
  });

  it('installs each missing Debian package once, as root', () => {
    expect(planInstall([...tool('nginx'), ...tool('redis')], { uid: 0, sudo: false })).toEqual({
      kind: 'install',
      packages: ['nginx-light', 'redis-server'],
      missing: ['/usr/sbin/nginx', '/usr/bin/redis-server', '/usr/bin/redis-cli'],
      commands: [
        [...APT, 'update', '-qq'],
        [...APT, 'install', '-y', '-qq', 'nginx-light', 'redis-server'],
      ],
    });
  });

  it('goes through sudo -n for anyone else, so a password prompt fails rather than hangs', () => {
    const plan = planInstall(tool('chromium'), { uid: 1000, sudo: true });
    expect(plan.kind === 'install' && plan.commands).toEqual([
      ['sudo', '-n', ...APT, 'update', '-qq'],
      ['sudo', '-n', ...APT, 'install', '-y', '-qq', 'chromium'],
    ]);
  });

  it('refuses without root or sudo, naming what is missing and the command that installs it', () => {
    expect(planInstall(tool('haproxy'), { uid: 1000, sudo: false })).toEqual({
      kind: 'cannot',
      packages: ['haproxy'],
      missing: ['/usr/sbin/haproxy'],
      reason: '/usr/sbin/haproxy missing, and installing Debian\'s haproxy needs root or sudo (uid 1000, no sudo): run `apt-get install -y haproxy` as root, then npm test again',
    });
  });
});
