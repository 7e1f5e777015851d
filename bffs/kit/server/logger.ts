import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { YogaLogger } from 'graphql-yoga';

export interface LoggerOptions {
  /** Production writes JSON, always; development writes for reading (below). */
  production: boolean;
  /**
   * `json` keeps development's logs in production's format (a log shipper on a shared
   * environment); `pretty` is development's default.
   */
  format?: 'json' | 'pretty';
}

/**
 * Production: one JSON line per event on stdout, written asynchronously (pino's SonicBoom with
 * `sync: false`) so the access line of every request never waits on the terminal or the log
 * shipper; `close()` flushes it, and pino flushes it on exit.
 *
 * Development: pino-pretty, so a developer reads `12:00:01.234 ERROR (bff-mobile): …` and a
 * stack on lines of its own rather than a JSON blob. In this thread, not in pino's transport
 * worker: npm run dev starts a BFF on every save (and keeps spares), and a worker thread each
 * would be one more V8 isolate to start on every one of them. pino-pretty is a devDependency: a
 * production image does not have it, and never asks for it; a development install without it
 * falls back to JSON.
 */
export function createLogger(client: string, level: string, { production, format = 'pretty' }: LoggerOptions = { production: true }): Logger {
  const pretty = !production && format === 'pretty' ? prettyStream() : undefined;
  return pino({ name: `bff-${client}`, level }, pretty ?? pino.destination({ dest: 1, sync: false }));
}

type PrettyFactory = (options: Record<string, unknown>) => NodeJS.WritableStream;

function prettyStream(): NodeJS.WritableStream | undefined {
  let build: PrettyFactory;
  try {
    build = createRequire(import.meta.url)('pino-pretty') as PrettyFactory;
  } catch {
    return undefined;
  }
  return build({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: 1, sync: false });
}

/** Yoga logs through pino, so one process writes one log format. */
export function yogaLogger(logger: Logger): YogaLogger {
  return {
    debug: (...args: unknown[]) => logger.debug(args.length === 1 ? args[0] : args),
    info: (...args: unknown[]) => logger.info(args.length === 1 ? args[0] : args),
    warn: (...args: unknown[]) => logger.warn(args.length === 1 ? args[0] : args),
    error: (...args: unknown[]) => logger.error(args.length === 1 ? args[0] : args),
  };
}
