import { GraphQLError, Kind, TypeInfo, validate, visit, visitWithTypeInfo, type ArgumentNode, type DocumentNode, type FieldNode, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { concierge } from '../errors.ts';
import type { OperationLimits } from '../core/perimeter-policy.ts';

export type LimitName = keyof OperationLimits;

/** What a document weighs, once it is within every limit. */
export interface Weighed {
  /** armor's cost of the heaviest operation in the document: what the rate limits spend. */
  cost: number;
}

/**
 * A client's operation limits as graphql-armor's own rules. Armor on its own reports a broken
 * limit as a validation error (200 under yoga's legacy media type); here it is the catalog's 400
 * OPERATION_LIMIT_EXCEEDED with `extensions.limit`, on both paths, before any service is called.
 *
 * `parse` counts tokens while it parses (armor's parser), so a 2,000-alias document is refused
 * before it is even a tree. `weigh` runs only armor's rules, before full validation: graphql-js's
 * overlapping-fields rule is quadratic in the fields, the very cost an alias bomb aims at.
 *
 * `undefined` limits (`OPERATION_LIMITS=off`, for the benchmark's cost figure) parse and weigh
 * with no ceiling, so the rate limits still have a cost to spend.
 */
export function createOperationLimits(limits: OperationLimits | undefined, maxPageSize = 1) {
  const ceiling = (name: LimitName) => limits?.[name] ?? Number.MAX_SAFE_INTEGER;

  function exceeded(limit: LimitName, armorMessage: string): GraphQLError {
    // armor prefixes its messages with "Syntax Error: "; ours name the limit plainly.
    const message = armorMessage.replace(/^Syntax Error: /, '');
    return concierge('OPERATION_LIMIT_EXCEEDED', `${message} (${limit})`, { limit, max: ceiling(limit) });
  }

  return {
    parse(text: string): DocumentNode {
      try {
        return new MaxTokensParserWLexer(text, { n: ceiling('tokens') } as never).parseDocument();
      } catch (error) {
        if (error instanceof GraphQLError && /Token limit/.test(error.message)) throw exceeded('tokens', error.message);
        throw error;
      }
    },

    /** The document's cost, or throws OPERATION_LIMIT_EXCEEDED naming the first limit it breaks. */
    weigh(schema: GraphQLSchema, document: DocumentNode): Weighed {
      let cost = 0;
      let broken: LimitName | undefined;
      const rejectAs = (limit: LimitName) => [(_: ValidationContext | null, _error: GraphQLError) => void (broken ??= limit)];
      const rules: ValidationRule[] = [
        maxDepthRule({ n: ceiling('depth'), onReject: rejectAs('depth') }),
        maxAliasesRule({ n: ceiling('aliases'), onReject: rejectAs('aliases') }),
        maxDirectivesRule({ n: ceiling('directives'), onReject: rejectAs('directives') }),
        costLimitRule({
          maxCost: ceiling('cost'),
          onReject: rejectAs('cost'),
          onAccept: [(_: ValidationContext | null, { n }: { n: number }) => void (cost = Math.max(cost, n))],
        }),
      ] as ValidationRule[];
      try {
        validate(schema, priced(schema, document, maxPageSize), rules);
      } catch (error) {
        if (broken && error instanceof GraphQLError) throw exceeded(broken, error.message);
        throw error;
      }
      return { cost: Math.max(1, Math.ceil(cost)) };
    },
  };
}

const PAGE_ARGUMENTS = new Set(['first', 'last']);

/**
 * The document as armor's cost rule should price it. Armor multiplies by `first`/`last` only when
 * it is a literal; a page size sent as a variable (`first: $n`) is priced at the largest page the
 * client serves, and one left out at the schema's default, so a list costs what it can return.
 */
function priced(schema: GraphQLSchema, document: DocumentNode, maxPageSize: number): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  const literal = (value: number) => ({ kind: Kind.INT, value: String(value) }) as const;
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        const definition = typeInfo.getFieldDef();
        const page = definition?.args.find((arg) => PAGE_ARGUMENTS.has(arg.name));
        if (!page) return undefined;
        const sent = node.arguments?.find((arg) => arg.name.value === page.name);
        if (sent?.value.kind === Kind.INT) return undefined;
        const size = sent ? maxPageSize : typeof page.defaultValue === 'number' ? page.defaultValue : maxPageSize;
        const argument: ArgumentNode = { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: page.name }, value: literal(size) };
        return { ...node, arguments: [...(node.arguments ?? []).filter((arg) => arg !== sent), argument] };
      },
    }),
  );
}

export type OperationLimitChecker = ReturnType<typeof createOperationLimits>;
