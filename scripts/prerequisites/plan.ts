import type { DebianTool } from './debian-tools.ts';

/** Who runs the prerequisites step: root installs directly, anyone else needs sudo. */
export interface Privilege {
  uid: number;
  sudo: boolean;
}

export type InstallPlan =
  | { kind: 'nothing' }
  | { kind: 'install'; packages: string[]; missing: string[]; commands: string[][] }
  | { kind: 'cannot'; packages: string[]; missing: string[]; reason: string };

/**
 * What to do about the tools whose binary is not there: nothing, apt-get as root (or through
 * `sudo -n`, which fails rather than waits for a password no one will type), or a refusal that
 * says exactly what is missing and the command that would install it.
 */
export function planInstall(missing: readonly DebianTool[], { uid, sudo }: Privilege): InstallPlan {
  if (missing.length === 0) return { kind: 'nothing' };
  const packages = [...new Set(missing.map((tool) => tool.debianPackage))];
  const binaries = missing.map((tool) => tool.binary);
  const apt = [
    ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'],
    ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', ...packages],
  ];
  if (uid === 0) return { kind: 'install', packages, missing: binaries, commands: apt };
  if (sudo) return { kind: 'install', packages, missing: binaries, commands: apt.map((command) => ['sudo', '-n', ...command]) };
  return {
    kind: 'cannot',
    packages,
    missing: binaries,
    reason: `${binaries.join(', ')} missing, and installing Debian's ${packages.join(' ')} needs root or sudo (uid ${uid}, no sudo): run \`apt-get install -y ${packages.join(' ')}\` as root, then npm test again`,
  };
}
