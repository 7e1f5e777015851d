/**
 * `npm run new-client -- <name> --port <port>`: scaffolds a client BFF (README: Adding a client
 * BFF), so that right after it `npm run typecheck`, `npm test` and `npm start` pass with the new
 * BFF serving its home from the mocks. Then edit its SDL, resolvers and mappers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENTS } from '../../bffs/clients.ts';
import { applySharedEdits, planSharedEdits } from './edits.ts';
import { clientFiles } from './files.ts';
import { InputError, parseInput } from './input.ts';
import { newClient } from './names.ts';
import { nextSteps } from './report.ts';
import { FOLLOW_UPS } from './steps.ts';
import { writeNewFiles } from './write-files.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const list = (lines: readonly string[]) => lines.map((line) => `  ${line}`).join('\n');

function main(argv: string[]): number {
  let input: { name: string; port: number };
  try {
    input = parseInput(argv, { clients: CLIENTS, exists: (path) => existsSync(join(ROOT, path)) });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    console.error(`new-client: ${error.message}`);
    return 2;
  }
  const client = newClient(input.name, input.port);
  const edits = planSharedEdits(ROOT, client);
  const created = writeNewFiles(ROOT, clientFiles(client));
  console.log(`Created ${created.length} files:\n${list(created)}`);
  console.log(`Added ${client.name} to:\n${list(applySharedEdits(ROOT, edits))}`);
  FOLLOW_UPS.forEach((step, i) => {
    try {
      step.run(ROOT, client);
    } catch (error) {
      const rest = FOLLOW_UPS.slice(i).map((next) => next.command(client));
      throw new Error(`${(error as Error).message}\nThe files above are written. Fix the cause, then run by hand:\n${list(rest)}`);
    }
    console.log(`Then ${step.done}.`);
  });
  console.log(nextSteps(client));
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`new-client: ${(error as Error).message}`);
  process.exitCode = 1;
}
