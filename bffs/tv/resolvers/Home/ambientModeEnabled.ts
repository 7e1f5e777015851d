import { flagValue } from '../../../kit/index.ts';
import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

/**
 * On when the device can, the viewer wants it, and the ambient-mode rollout (policy.ts TV_FLAGS)
 * has reached this viewer on this device. With flags off (FLAGS=off) the rollout is complete.
 */
export const ambientModeEnabled: HomeResolvers['ambientModeEnabled'] = async (_, __, context) =>
  context.device.capabilities.has('ambient') && flagValue(context, 'ambient-mode', true) && (await context.loaders.viewer()).preferences.ambientMode;
