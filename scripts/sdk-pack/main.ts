/**
 * `npm run sdk:pack -- <client> [--out <dir>]`: packs `@concierge/<client>-sdk` into `.tmp/sdk/`
 * (or `<dir>`), an npm package an app repository installs (pack.ts says what is in it, version.ts
 * which version it gets).
 */
import { relative, resolve } from 'node:path';
import { SdkBuildError } from './compile.ts';
import { packSdk } from './pack.ts';

function main(argv: string[]): void {
  const outAt = argv.findIndex((arg) => arg === '--out' || arg.startsWith('--out='));
  const out = outAt < 0 ? '.tmp/sdk' : argv[outAt]!.includes('=') ? argv[outAt]!.slice('--out='.length) : argv[outAt + 1];
  const positional = argv.filter((arg, i) => !arg.startsWith('--') && !(outAt >= 0 && i === outAt + 1 && !argv[outAt]!.includes('=')));
  const unknown = argv.filter((arg, i) => arg.startsWith('--') && i !== outAt);
  if (positional.length !== 1 || unknown.length || !out) {
    console.error('usage: npm run sdk:pack -- <client> [--out <dir>]');
    process.exit(2);
  }
  try {
    const packed = packSdk({ root: resolve('.'), client: positional[0]!, out });
    console.log(`Packed ${packed.name}@${packed.version}: ${packed.versionReason}.`);
    const where = relative('.', packed.tarball);
    console.log(`${where.startsWith('..') ? packed.tarball : where} (${packed.files.length} files, ${kB(packed.size)} packed, ${kB(packed.unpackedSize)} unpacked):`);
    for (const file of packed.files) console.log(`  ${kB(file.size).padStart(9)}  ${file.path}`);
  } catch (error) {
    if (!(error instanceof SdkBuildError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

main(process.argv.slice(2));
