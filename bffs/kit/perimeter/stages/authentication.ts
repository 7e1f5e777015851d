import type { VerifyViewer } from '../viewer.ts';
import type { Stage } from '../pipeline.ts';

/**
 * The viewer is the verified token's subject (viewer.ts: jose, against identity's JWKS). It runs
 * after the address budget, so a flood of forged tokens is refused before any signature check.
 */
export function authenticationStage(verifyViewer: VerifyViewer): Stage {
  return (passage) => {
    const viewer = verifyViewer(passage.request.headers.get('authorization'));
    if (!(viewer instanceof Promise)) {
      passage.viewer = viewer;
      return;
    }
    return viewer.then((verified) => void (passage.viewer = verified));
  };
}
