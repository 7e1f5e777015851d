import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ErrorCode } from '../errors.ts';

function withCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError,
    // yoga adds `http` itself, with the status the GraphQL-over-HTTP spec asks for.
    extensions: { ...error.extensions, code },
  });
}

/**
 * Gives syntax and validation errors their catalog codes. The status follows the
 * GraphQL-over-HTTP spec: 400 for `application/graphql-response+json` (what our SDKs and
 * GraphiQL ask for, and the default when Accept is absent), 200 for clients that accept only
 * legacy `application/json`.
 */
export function useErrorCodes(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError) replaceParseResult(withCode(result, 'GRAPHQL_PARSE_FAILED'));
      };
    },
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')));
      };
    },
  };
}
