import { pino, type Logger } from 'pino';
import type { YogaLogger } from 'graphql-yoga';

export function createLogger(client: string, level: string): Logger {
  return pino({ name: `bff-${client}`, level });
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
