import { callError, type DownstreamCall, type Layer } from '../call.ts';
import { ServiceTokenError } from '../service-tokens.ts';
import { timeLeft } from './time-left.ts';

/** What a client told IDENTITY_UNAVAILABLE waits before trying again. */
const IDENTITY_RETRY_AFTER_MS = 2_000;

/**
 * The service's token, outermost, once per call (not per attempt): what the request's viewer
 * calls this service with (call.ts ServiceCredentials; service-tokens.ts exchanges it at
 * identity). A kept token costs nothing here. An exchange is waited for only as long as the call
 * may take; when identity does not answer in that time, or refuses, the call is not made
 * (`called: false`, so no breaker or retry counts it against the service) and fails with
 * IDENTITY_UNAVAILABLE (execution/critical-failures.ts answers the request 503) or
 * DOWNSTREAM_REJECTED.
 */
export const credentialsLayer: Layer = (next) => (call) => {
  let token: string | Promise<string>;
  try {
    token = call.context.credentials.tokenFor(call.service);
  } catch (error) {
    return Promise.reject(failure(call, error));
  }
  if (typeof token === 'string') {
    call.token = token;
    return next(call);
  }
  return within(call, token).then((value) => {
    call.token = value;
    return next(call);
  });
};

function within(call: DownstreamCall, pending: Promise<string>): Promise<string> {
  const ms = timeLeft(call);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(failure(call, new ServiceTokenError(`identity did not exchange a token for ${call.service} within ${Math.round(ms)} ms`, true))), ms);
    pending.then(
      (token) => {
        clearTimeout(timer);
        resolve(token);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(failure(call, error));
      },
    );
  });
}

function failure(call: DownstreamCall, error: unknown) {
  if (error instanceof ServiceTokenError && !error.unavailable) {
    return callError(call, 'DOWNSTREAM_REJECTED', `${call.service} was not called: ${error.message}`, { called: false });
  }
  const why = error instanceof ServiceTokenError ? error.message : 'its token could not be had';
  return callError(call, 'IDENTITY_UNAVAILABLE', `${call.service} was not called: ${why}`, { called: false, retryAfterMs: IDENTITY_RETRY_AFTER_MS });
}
