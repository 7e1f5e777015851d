import { createHash } from 'node:crypto';
import { badRequest } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { requireIdList, requireObject } from '../http/validate.ts';
import type { ServiceDeps } from './context.ts';

export const DRM_SYSTEMS = ['widevine', 'playready', 'fairplay'] as const;
const LICENSE_TTL_MS = 6 * 3600_000;

export function playbackRoutes({ titles }: ServiceDeps): RouteDefinition[] {
  return [
    {
      method: 'POST',
      path: '/playback/licenses',
      handler: ({ body, principal, now }) => {
        const contentIds = requireIdList(body, 'contentIds', 100);
        const drmSystem = requireObject(body).drmSystem;
        if (!DRM_SYSTEMS.includes(drmSystem as (typeof DRM_SYSTEMS)[number])) {
          throw badRequest('VALIDATION_FAILED', `drmSystem must be one of ${DRM_SYSTEMS.join(', ')}`);
        }
        const expiresAt = new Date(now().getTime() + LICENSE_TTL_MS).toISOString();
        return {
          licenses: contentIds.map((contentId) => {
            if (!titles.has(contentId)) return null;
            const session = createHash('sha256').update(`${principal?.sub}:${contentId}:${drmSystem}`).digest('hex').slice(0, 16);
            return {
              contentId,
              drmSystem,
              keyId: `kid_${contentId}`,
              licenseUrl: `https://drm.concierge.example/${drmSystem}/licenses/${contentId}?session=${session}`,
              expiresAt,
            };
          }),
        };
      },
    },
  ];
}
