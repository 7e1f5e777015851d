import type { GraphQLError } from 'graphql';
import type { Gate, PerimeterRequest } from './pipeline.ts';

/**
 * Watches the credential a live connection was let in with (a WebSocket's handshake, an SSE
 * subscription's request): every `everyMs` the perimeter's handshake gate judges it again (the
 * wings' first stages, the origin, the viewer: a session read from its store, a token's expiry),
 * and `ended` is called once with the refusal when it is now refused as unauthenticated or
 * forbidden (401, 403): signed out, logged out at the provider, past its lifetime, its refresh
 * refused. A gate that cannot answer (a store down: 503) is not an ended session. One rule for
 * both transports, so a session that ends closes every live connection it holds within `everyMs`.
 */
export function watchSession(gate: Gate, request: PerimeterRequest, everyMs: number, ended: (refusal: GraphQLError) => void): () => void {
  let stopped = false;
  const timer = setInterval(async () => {
    let verdict;
    try {
      verdict = await gate(request);
    } catch {
      return;
    }
    const refusal = verdict.refused?.errors?.[0] as GraphQLError | undefined;
    const status = (refusal?.extensions?.http as { status?: number } | undefined)?.status;
    if (!stopped && refusal && (status === 401 || status === 403)) {
      stop();
      ended(refusal);
    }
  }, everyMs);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}
