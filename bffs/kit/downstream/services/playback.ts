import type { components } from '../types/playback.generated.ts';
import type { CallContext, DownstreamHttp } from '../http-client.ts';

export type License = components['schemas']['License'];
export type DrmSystem = License['drmSystem'];

export const LICENSE_BATCH_LIMIT = 100;

export const playbackClient = (http: DownstreamHttp) => ({
  licenses: async (call: CallContext, contentIds: readonly string[], drmSystem: DrmSystem) => {
    const { licenses } = await http.json<{ licenses: (License | null)[] }>(call, {
      method: 'POST',
      idempotent: true, // a read that needs a body, safe to repeat
      route: '/playback/licenses',
      body: { contentIds, drmSystem },
    });
    return licenses;
  },
});

export type PlaybackClient = ReturnType<typeof playbackClient>;
