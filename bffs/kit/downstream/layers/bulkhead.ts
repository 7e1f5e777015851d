import { BulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';
import { callError, type Layer } from '../call.ts';

/**
 * The service's bulkhead (cockatiel's): at most `capacity` calls in flight at once; one more
 * fails at once with DOWNSTREAM_BUSY and is not made, so one slow service cannot use up the BFF.
 */
export function bulkheadLayer(bulkhead: BulkheadPolicy, capacity: number): Layer {
  return (next) => (call) =>
    bulkhead.execute(() => next(call)).catch((error: unknown) => {
      if (error instanceof BulkheadRejectedError) throw callError(call, 'DOWNSTREAM_BUSY', `${call.service} already has ${capacity} calls in flight`, { called: false });
      throw error;
    });
}
