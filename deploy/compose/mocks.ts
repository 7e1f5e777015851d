/**
 * The downstream mocks for compose.yaml. downstream-mocks/src/main.ts listens on 127.0.0.1, right
 * for `npm start` and unreachable from another container; this one listens on the address of the
 * compose service's name, `mocks`. The same name is identity's issuer (`http://mocks:4100`, what
 * identity writes in tokens and what the other mocks fetch its keys from), which is the
 * IDENTITY_URL the BFFs are given, so tokens verify in both.
 */
import { startMocks } from '../../downstream-mocks/src/start-mocks.ts';

const COMPOSE_SERVICE_NAME = 'mocks';

const mocks = await startMocks({ host: COMPOSE_SERVICE_NAME });
for (const [name, url] of Object.entries(mocks.urls)) console.log(`${name.padEnd(18)} ${url}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void mocks.close().then(() => process.exit(0));
  });
}
