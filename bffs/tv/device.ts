import { concierge, type RequestHeaders, type DrmSystem } from '../kit/index.ts';

export type Capability = 'uhd' | 'hdr' | 'atmos' | 'ambient';
const CAPABILITIES = new Set<Capability>(['uhd', 'hdr', 'atmos', 'ambient']);
const DRM_SYSTEMS = new Set<DrmSystem>(['widevine', 'playready', 'fairplay']);

export interface Device {
  drm: DrmSystem;
  capabilities: ReadonlySet<Capability>;
}

/**
 * The device describes itself in headers. An unknown DRM system is refused (a licence for it
 * could never play); unknown capabilities are ignored, so newer devices keep working.
 */
export function deviceFromHeaders(headers: RequestHeaders): Device {
  const drmHeader = headers.get('x-device-drm')?.trim().toLowerCase() || 'widevine';
  if (!DRM_SYSTEMS.has(drmHeader as DrmSystem)) {
    throw concierge('BAD_USER_INPUT', `x-device-drm must be one of widevine, playready, fairplay; got "${drmHeader.slice(0, 32)}".`);
  }
  const capabilities = new Set(
    (headers.get('x-device-capabilities') ?? '')
      .split(',')
      .map((c) => c.trim().toLowerCase())
      .filter((c): c is Capability => CAPABILITIES.has(c as Capability)),
  );
  return { drm: drmHeader as DrmSystem, capabilities };
}
