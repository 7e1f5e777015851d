import { DOWNSTREAM_DEFAULTS } from '../../bffs/kit/config.ts';
import type { ClientEntry } from '../../bffs/clients.ts';

export const USAGE = 'usage: npm run new-client -- <name> --port <port>   (for example: npm run new-client -- watch --port 4003)';

/** Refused input: the message says what to send instead. */
export class InputError extends Error {}

export interface InputContext {
  /** The registry, bffs/clients.ts. */
  clients: readonly ClientEntry[];
  /** Whether a path under the repository root exists (a directory or SDL left by hand). */
  exists: (path: string) => boolean;
}

/** `<name> --port <port>` (or `--port=<port>`), checked against the clients there are. */
export function parseInput(argv: readonly string[], context: InputContext): { name: string; port: number } {
  const { name, port } = splitArguments(argv);
  checkName(name, context);
  return { name, port: checkPort(port, context) };
}

function splitArguments(argv: readonly string[]): { name: string; port: string } {
  const positional: string[] = [];
  let port: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--port') port = argv[++i];
    else if (arg.startsWith('--port=')) port = arg.slice('--port='.length);
    else if (arg.startsWith('--')) throw new InputError(`Unknown option ${arg}.\n${USAGE}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw new InputError(`Give exactly one client name${positional.length ? `, not ${positional.join(' ')}` : ''}.\n${USAGE}`);
  if (port === undefined) throw new InputError(`Give the port the new BFF listens on by default: --port <port>.\n${USAGE}`);
  return { name: positional[0]!, port };
}

/** Reserved: bffs/kit is the shared kit, not a client. */
const RESERVED = new Set(['kit']);

function checkName(name: string, { clients, exists }: InputContext): void {
  if (!/^[a-z]+$/.test(name)) {
    throw new InputError(`"${name}" is not a client name: use lower-case letters only (a-z), like watch. It names bffs/<name>/, schemas/<name>.graphql and the <NAME>_ constants.`);
  }
  if (clients.some((client) => client.name === name)) throw new InputError(`"${name}" is already a client (bffs/clients.ts). Pick another name.`);
  if (RESERVED.has(name)) throw new InputError(`"${name}" is reserved: bffs/${name}/ is the shared kit. Pick another name.`);
  for (const path of [`bffs/${name}`, `schemas/${name}.graphql`]) {
    if (exists(path)) throw new InputError(`${path} already exists, though "${name}" is not in bffs/clients.ts. Remove it, or pick another name.`);
  }
}

function checkPort(text: string, { clients }: InputContext): number {
  if (!/^\d+$/.test(text)) throw new InputError(`--port must be a number, like 4003, not "${text}".`);
  const port = Number(text);
  if (port < 1024 || port > 65535) throw new InputError(`--port must be between 1024 and 65535, not ${port}.`);
  const client = clients.find((entry) => entry.port === port);
  if (client) throw new InputError(`Port ${port} is the ${client.name} BFF's (bffs/clients.ts). Taken: ${clients.map((c) => `${c.port} ${c.name}`).join(', ')}.`);
  const mocks = Object.entries(DOWNSTREAM_DEFAULTS).map(([service, url]) => ({ service, port: Number(new URL(url).port) }));
  const mock = mocks.find((entry) => entry.port === port);
  if (mock) {
    const ports = mocks.map((entry) => entry.port);
    throw new InputError(`Port ${port} is the ${mock.service} mock's (npm start runs the mocks on ${Math.min(...ports)}-${Math.max(...ports)}). Pick another port.`);
  }
  return port;
}
