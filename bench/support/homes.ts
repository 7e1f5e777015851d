import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createTvBff } from '../../bffs/tv/bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { operation } from '../../test/support/documents.ts';

/** The device a TV home is asked for in the per-client reports: every badge it can earn. */
export const TV_HEADERS = { 'x-device-drm': 'widevine', 'x-device-capabilities': 'uhd,hdr,atmos' };

/** Each client's home, as the per-client reports (home-report.ts, compression.ts) ask for it. */
export const CLIENT_HOMES = [
  { name: 'mobile', create: createMobileBff, document: operation('mobile', 'MobileHome'), headers: {} },
  { name: 'tv', create: createTvBff, document: operation('tv', 'TvHome'), headers: TV_HEADERS },
  { name: 'web', create: createWebBff, document: operation('web', 'WebHome'), headers: {} },
] as const;
