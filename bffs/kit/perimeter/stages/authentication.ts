import type { VerifyViewer } from '../viewer.ts';
import type { Stage } from '../pipeline.ts';

/**
 * The viewer is the verified token's subject (viewer.ts: jose, against identity's JWKS). It runs
 * after the address budget, so a flood of forged tokens is refused before any signature check.
 */
export function authenticationStage(verifyViewer: VerifyViewer): Stage {
  return async (passage) => {
    passage.viewer = await verifyViewer(passage.request.headers.get('authorization'));
  };
}
