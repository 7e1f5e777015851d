/**
 * `npm run contracts:check [-- --root <dir>]`
 *
 * Holds each client's current SDL to every release its policy still supports (the logic is in
 * contract-check.ts). Prints what it checked and why anything failed; exits 1 on any failure.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLIENT_NAMES, type ClientEntry } from '../../bffs/clients.ts';
import { readReleases } from '../../bffs/kit/contracts/releases.ts';
import type { ClientVersionPolicy } from '../../bffs/kit/contracts/versions.ts';
import { checkContracts, type ContractReport } from './contract-check.ts';

/** This checkout's clients (bffs/clients.ts). */
export const CLIENTS = CLIENT_NAMES;

/** The clients of the checked tree, from its own bffs/clients.ts, so `--root` checks a copy's new client too. */
async function clientsUnder(root: string): Promise<string[]> {
  const registry = (await import(pathToFileURL(join(root, 'bffs', 'clients.ts')).href)) as { CLIENTS: readonly ClientEntry[] };
  return registry.CLIENTS.map((client) => client.name);
}

/** Reads one client's SDL, releases and policy under `root`, and checks them. */
export async function checkClient(root: string, client: string): Promise<ContractReport> {
  // Imported from the checked tree, not this script's, so `--root` checks that tree's policy.
  const policyModule = (await import(pathToFileURL(join(root, 'bffs', client, 'policy.ts')).href)) as Record<string, unknown>;
  const policy = policyModule[`${client.toUpperCase()}_VERSIONS`] as ClientVersionPolicy | undefined;
  if (!policy) throw new Error(`bffs/${client}/policy.ts exports no ${client.toUpperCase()}_VERSIONS.`);
  return checkContracts({
    client,
    sdl: readFileSync(join(root, 'schemas', `${client}.graphql`), 'utf8'),
    releases: readReleases(join(root, 'bffs', client, 'releases')),
    policy,
  });
}

export function formatReport(report: ContractReport): string {
  const versions = report.checked.map((r) => r.version).join(', ');
  const count = report.checked.length;
  const lines = [
    `${report.client}: ${count} supported release${count === 1 ? '' : 's'}${count ? ` (${versions})` : ''}, ${report.documents} document${report.documents === 1 ? '' : 's'}` +
      (report.retired.length ? `; retired, not checked: ${report.retired.join(', ')}` : ''),
  ];
  for (const failure of report.failures) lines.push(`  FAIL ${failure.message}`);
  for (const warning of report.warnings) lines.push(`  warn ${warning.message}`);
  for (const deprecation of report.deprecations) lines.push(`  deprecated ${deprecation.message}`);
  if (!report.failures.length) lines.push('  ok');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const rootAt = argv.indexOf('--root');
  const root = resolve(rootAt >= 0 ? argv[rootAt + 1] ?? '.' : '.');
  let failed = 0;
  for (const client of await clientsUnder(root)) {
    const report = await checkClient(root, client);
    failed += report.failures.length;
    console.log(formatReport(report));
  }
  console.log(failed ? `contracts:check: ${failed} failure${failed === 1 ? '' : 's'}.` : 'contracts:check: every supported release is still served.');
  return failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
