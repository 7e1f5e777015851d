import { callError, type DownstreamCall, type Layer } from '../call.ts';

/**
 * The deadline and the budget, before each attempt: a call whose client went away, or whose time
 * is up, is not made, and its error says so (`called: false`), so the perimeter takes it for what
 * the timeout did rather than a cause (perimeter/critical-failures.ts). Otherwise the attempt gets
 * what is left.
 */
export const timeLeftLayer: Layer = (next) => (call) => {
  const { deadline } = call.context;
  if (deadline.clientGone) return Promise.reject(callError(call, 'CLIENT_CLOSED_REQUEST', `${call.service} was not called: the client went away`, { called: false }));
  const remaining = timeLeft(call);
  if (remaining === 0) {
    const why = deadline.remainingMs() === 0 ? 'the request deadline has passed' : `its budget of ${call.budgetMs} ms is spent`;
    return Promise.reject(callError(call, 'DOWNSTREAM_TIMEOUT', `${call.service} was not called: ${why}`, { called: false }));
  }
  call.timeoutMs = remaining;
  return next(call);
};

/** What the call may still take: what is left of the request's deadline, or of its budget when that ends first. */
export function timeLeft(call: DownstreamCall): number {
  return Math.max(0, Math.min(call.context.deadline.remainingMs(), call.budgetEndsAt - Date.now()));
}
