import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import type { Logger } from 'pino';
import { fingerprintOf, type RepeatedErrors } from './repeated-errors.ts';

export interface ErrorMaskerOptions {
  /** Under NODE_ENV=production the message of an unexpected error is replaced; in development it is kept. */
  production: boolean;
  /** What an unexpected error says in production. */
  maskedMessage: string;
  logger: Logger;
  /** Development: an error that comes back is counted, not logged again (repeated-errors.ts). */
  repeats?: RepeatedErrors;
}

/**
 * What every executed error goes through (result-rules.ts), on both transports:
 * - an error with a catalog code passes as it is;
 * - an error thrown by a resolver (not a GraphQLError) is masked by yoga's own `maskError`
 *   (`INTERNAL_SERVER_ERROR`, the message hidden, its detail in development) and logged;
 * - a GraphQLError graphql-js made during execution, with no code (a resolver gave a `Boolean!`
 *   the string `'yes'`, or null for a non-null field): yoga passes such errors through as they
 *   are, uncoded and unlogged, because graphql-js made them. They are a resolver's bug, so they
 *   are `INTERNAL_SERVER_ERROR` like a thrown error, logged, and their message, which quotes the
 *   value, is kept only in development.
 * An uncoded error without a path is graphql-js's variable coercion, before execution: the result
 * rules make it BAD_USER_INPUT, so it passes here untouched.
 */
export function createErrorMasker({ production, maskedMessage, logger, repeats }: ErrorMaskerOptions) {
  const logError = (log: Logger, error: unknown, fingerprint: string, message: string, write: () => void) => (repeats ? repeats.report(log, fingerprint, message, write) : write());
  return function maskError(error: unknown, log: Logger = logger): GraphQLError {
    if (error instanceof GraphQLError && !error.originalError && error.path && error.extensions?.code === undefined) {
      const message = `${error.message} (at ${error.path.join('.')})`;
      logError(log, error, fingerprintOf(error, error.path), message, () => log.error({ err: error, path: error.path!.join('.') }, message));
      return new GraphQLError(production ? maskedMessage : error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR', unexpected: true },
      });
    }
    const masked = yogaMaskError(error, maskedMessage, !production) as GraphQLError;
    if (masked !== error) {
      // As yoga logs what it masks (its logger is this one): the cause, not the masked copy.
      const cause = error instanceof GraphQLError && error.originalError ? error.originalError : error;
      logError(log, cause, fingerprintOf(cause, error instanceof GraphQLError ? error.path : undefined), cause instanceof Error ? cause.message : String(cause), () => log.error(error));
    }
    return masked;
  };
}
