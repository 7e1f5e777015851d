import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes each file under `root`; refuses, before writing any, when one exists already. */
export function writeNewFiles(root: string, files: ReadonlyMap<string, string>): string[] {
  const taken = [...files.keys()].filter((path) => existsSync(join(root, path)));
  if (taken.length) throw new Error(`Not overwriting what exists: ${taken.join(', ')}.`);
  for (const [path, text] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return [...files.keys()];
}
