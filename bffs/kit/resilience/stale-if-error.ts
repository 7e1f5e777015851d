import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { DownstreamError } from '../downstream-error.ts';
import type { ViewerLastGood } from './last-good.ts';

/**
 * One field served from the viewer's last good value, as the response's `extensions.stale`
 * lists it: where, which service failed and how (the code the field would have had), and how
 * old the value is in whole seconds (as HTTP's `Age`).
 */
export interface StaleMark {
  path: (string | number)[];
  service: string;
  code: string;
  ageSeconds: number;
}

/**
 * A request's side of stale-if-error: its viewer's last good values (bound to the verified
 * viewer by the context factory) and the fields it served stale, until the executor takes them
 * into the payload it sends.
 */
export class RequestLastGood {
  private marks: StaleMark[] | undefined;

  constructor(readonly values: ViewerLastGood) {}

  mark(stale: StaleMark): void {
    (this.marks ??= []).push(stale);
  }

  /** The fields served stale since the last call: each payload lists its own. */
  takeMarks(): StaleMark[] | undefined {
    const marks = this.marks;
    this.marks = undefined;
    return marks;
  }
}

type Resolve<TParent, TArgs, TContext, TResult> = (parent: TParent, args: TArgs, context: TContext, info: GraphQLResolveInfo) => Promise<TResult> | TResult;

/**
 * Stale-if-error (RFC 5861) for one non-critical field. Each value it resolves is kept as the
 * viewer's last good one; when the service behind it fails (a downstream failure code, the
 * non-critical budget's timeout included), the field gets that value instead, if it is younger
 * than the policy's bound, and the response says so in `extensions.stale`. Otherwise the error
 * stands: the field is null with its code, as without this.
 *
 * `keyOf` names what the value is of, within its field and viewer: the title's id, and anything
 * else the answer depends on (TV's DRM system). The field's coordinate is added to it.
 */
export function staleIfError<TParent, TArgs, TContext extends { lastGood: RequestLastGood }, TResult>(
  keyOf: (parent: TParent, args: TArgs, context: TContext) => string,
  resolve: Resolve<TParent, TArgs, TContext, TResult>,
): (parent: TParent, args: TArgs, context: TContext, info: GraphQLResolveInfo) => Promise<TResult> {
  return async (parent, args, context, info) => {
    const key = `${info.parentType.name}.${info.fieldName}:${keyOf(parent, args, context)}`;
    let value: TResult;
    try {
      value = await resolve(parent, args, context, info);
    } catch (error) {
      const failure = DownstreamError.of(error);
      const kept = failure?.serviceFailed ? context.lastGood.values.recall(key) : undefined;
      if (!kept) throw error;
      context.lastGood.mark({ path: responsePathAsArray(info.path), service: failure!.service, code: failure!.code, ageSeconds: Math.floor(kept.ageMs / 1000) });
      return kept.value as TResult;
    }
    context.lastGood.values.remember(key, value);
    return value;
  };
}

/**
 * `result` with the stale fields of its request, if any, under `extensions.stale`. Not on a
 * result with no data: nothing of it is drawn.
 */
export function withStaleMarks<R extends { data?: unknown; extensions?: Record<string, unknown> }>(result: R, lastGood: RequestLastGood | undefined): R {
  const marks = lastGood?.takeMarks();
  if (!marks || result.data === null || result.data === undefined) return result;
  return { ...result, extensions: { ...result.extensions, stale: marks } };
}
