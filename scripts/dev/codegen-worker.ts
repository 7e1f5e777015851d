/**
 * The codegen step's own process, kept warm: `npx graphql-codegen --config codegen.ts` spends
 * about 1.7 s of its 2 s starting node and loading the codegen CLI and plugins, and 40 ms
 * generating. This process loads them once and then runs `generate` on request, so a saved SDL
 * is regenerated in well under a second. It runs codegen.ts itself (the one source of generated
 * code), narrowed to the outputs of the clients that changed; the files it writes are the ones
 * `npm run codegen` writes. A separate process, so a codegen crash never takes the dev fronts down;
 * the supervisor restarts it when codegen.ts or what it imports (plugins, bffs/clients.ts) changes,
 * since this process holds them in memory.
 *
 * Protocol (IPC): { id, clients: string[] | 'all' } in; { id, ok, outputs | error } out.
 */
import { generate } from '@graphql-codegen/cli';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Source, parse, type GraphQLError } from 'graphql';
import { validateSDL } from 'graphql/validation/validate.js';

export interface CodegenRequest {
  id: number;
  clients: string[] | 'all';
}

export type CodegenReply =
  | { id: number; ok: true; outputs: { filename: string; content: string }[] }
  | { id: number; ok: false; error: string };

const root = process.cwd();
/** codegen.ts, or why it did not load (then every request answers that, until it is fixed and this worker restarted). */
let config: CodegenConfig | undefined;
let broken = '';
try {
  config = ((await import(pathToFileURL(join(root, 'codegen.ts')).href)) as { default: CodegenConfig }).default;
} catch (error) {
  broken = `codegen.ts did not load:\n${withoutStack(error)}`;
}

function withoutStack(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return text.split('\n').filter((line) => !/^\s+at /.test(line)).join('\n').split(`${root}/`).join('').trim();
}

function narrowed(config: CodegenConfig, clients: string[] | 'all'): CodegenConfig {
  if (clients === 'all') return config;
  const generates = Object.fromEntries(Object.entries(config.generates).filter(([path]) => clients.some((client) => path.startsWith(`bffs/${client}/`))));
  return { ...config, generates };
}

/**
 * Codegen's error repeats once per output, ends with a page of "GraphQL Code Generator
 * supports…", and loses a syntax error's line. For a schema that does not build, graphql-js's own
 * diagnosis says it best (file:line:column and the line itself); otherwise (an operation that
 * does not validate, a plugin that throws) each distinct message of codegen's, once, no stacks.
 */
function describe(error: unknown, clients: string[] | 'all'): string {
  if (!config) return broken;
  const schemas = (clients === 'all' ? readdirSync(join(root, 'schemas')).filter((name) => name.endsWith('.graphql')).map((name) => name.slice(0, -'.graphql'.length)) : clients).map((client) => `schemas/${client}.graphql`);
  const located = schemas.flatMap(schemaDiagnosis);
  if (located.length) return located.join('\n\n');
  const parts = (error as AggregateError).errors ?? [error];
  const messages = new Set<string>();
  for (const part of parts) {
    const lines = String((part as Error)?.message ?? part)
      .split(/\n\s*GraphQL Code Generator supports:/)[0]!
      .split('\n')
      // Stack frames go; "at <file>.graphql:5:5", where codegen says which document, stays.
      .filter((line) => !(/^\s+at /.test(line) && !/\.graphql:\d+:\d+$/.test(line)) && !/^(AggregateError|Error): /.test(line));
    const text = lines.filter((line, i) => line !== lines[i - 1]).join('\n').split(`${root}/`).join('').trim();
    if (text) messages.add(text);
  }
  return [...messages].join('\n\n');
}

function schemaDiagnosis(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(root, path), 'utf8');
  } catch {
    return [];
  }
  try {
    const errors: readonly GraphQLError[] = validateSDL(parse(new Source(text, path)));
    return errors.map((error) => error.toString());
  } catch (error) {
    return [String(error)];
  }
}

process.on('message', (request: CodegenRequest) => {
  void (async () => {
    let reply: CodegenReply;
    try {
      if (!config) throw new Error(broken);
      const outputs = (await generate({ ...narrowed(config, request.clients), cwd: root, silent: true }, true)) as { filename: string; content: string }[];
      reply = { id: request.id, ok: true, outputs: outputs.map(({ filename, content }) => ({ filename, content })) };
    } catch (error) {
      reply = { id: request.id, ok: false, error: describe(error, request.clients) };
    }
    process.send!(reply);
  })();
});
// The supervisor is gone (killed, or Ctrl-C): nothing left to generate for.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
