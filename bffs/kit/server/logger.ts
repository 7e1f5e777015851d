import { pino, type Logger } from 'pino';
import type { YogaLogger } from 'graphql-yoga';

/**
 * One JSON line per event on stdout, written asynchronously (pino's SonicBoom with `sync: false`)
 * so the access line of every request never waits on the terminal or the log shipper; `close()`
 * flushes it, and pino flushes it on exit.
 */
export function createLogger(client: string, level: string): Logger {
  return pino({ name: `bff-${client}`, level }, pino.destination({ dest: 1, sync: false }));
}

/** Yoga logs through pino, so one process writes one JSON log format. */
export function yogaLogger(logger: Logger): YogaLogger {
  return {
    debug: (...args: unknown[]) => logger.debug(args.length === 1 ? args[0] : args),
    info: (...args: unknown[]) => logger.info(args.length === 1 ? args[0] : args),
    warn: (...args: unknown[]) => logger.warn(args.length === 1 ? args[0] : args),
    error: (...args: unknown[]) => logger.error(args.length === 1 ? args[0] : args),
  };
}
