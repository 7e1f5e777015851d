import type { ExecutionResult, GraphQLError } from 'graphql';

/**
 * A subscription's events that end when `watch` says so (the session it was let in with ended,
 * perimeter/session-watch.ts): the next result is that refusal, its code and message without
 * `extensions.http` (the status went out with the stream's head), and the events stop.
 */
export function endingEvents(events: AsyncIterableIterator<ExecutionResult>, watch: (end: (refusal: GraphQLError) => void) => () => void): AsyncIterableIterator<ExecutionResult> {
  let ending: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  let refusal: GraphQLError | undefined;
  let done = false;
  const unwatch = watch((error) => {
    refusal = error;
    ending?.({ done: false, value: lastWord(error) });
    void events.return?.();
  });
  const finish = async (): Promise<IteratorResult<ExecutionResult>> => {
    done = true;
    unwatch();
    await events.return?.();
    return { done: true, value: undefined };
  };
  return {
    async next() {
      if (done) return { done: true, value: undefined };
      if (refusal) return finish().then(() => ({ done: false, value: lastWord(refusal!) }));
      const ended = new Promise<IteratorResult<ExecutionResult>>((resolve) => (ending = resolve));
      const step = await Promise.race([events.next(), ended]);
      ending = undefined;
      if (refusal) {
        await finish();
        return { done: false, value: lastWord(refusal) };
      }
      if (step.done) await finish();
      return step;
    },
    return: finish,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function lastWord(error: GraphQLError): ExecutionResult {
  const { http: _http, ...extensions } = error.extensions ?? {};
  return { errors: [{ message: error.message, extensions } as unknown as GraphQLError] };
}
