import { startMocks } from './start-mocks.ts';
import { urlVariableOf, type ServiceName } from './registry.ts';

const mocks = await startMocks();

console.log('Concierge downstream mocks are up:\n');
for (const [name, url] of Object.entries(mocks.urls)) {
  console.log(`  ${name.padEnd(18)} ${url.padEnd(24)} ${urlVariableOf(name as ServiceName)}`);
}
console.log('\nMint a development token: curl -s -XPOST -H "content-type: application/json" ' +
  `-d '{"sub":"u_1"}' ${mocks.urls.identity}/dev/token`);
console.log(`OpenID provider: ${mocks.urls.identity}/.well-known/openid-configuration (users u_1…u_1000, password dev-password)`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the mocks`);
    mocks.close().then(() => process.exit(0));
  });
}
