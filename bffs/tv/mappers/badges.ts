import type { Device } from '../device.ts';
import type { TvTitle, TvViewer } from '../needs.ts';

/**
 * A badge shows only when the title has the feature, the viewer is entitled to it (the users
 * service decides that) and the device can play it.
 */
export function badgesFor(title: Pick<TvTitle, 'video' | 'audio'>, entitlements: TvViewer['entitlements'], device: Device): string[] {
  const badges: string[] = [];
  if (title.video.uhd && entitlements.uhd && device.capabilities.has('uhd')) badges.push('4K');
  if (title.video.hdr && entitlements.hdr && device.capabilities.has('hdr')) badges.push('HDR');
  if (title.audio.atmos && entitlements.atmos && device.capabilities.has('atmos')) badges.push('Dolby Atmos');
  return badges;
}
