import { parseArgs } from 'node:util';
import { pactFilesOf, providersIn } from './files.ts';
import { tokensFrom, verifyProvider } from './verify.ts';

/**
 * `npm run pact:verify -- --provider <service> --base-url <url>`: a service team verifies its
 * own running service against every client BFF's pact for it (pacts/), without the BFF.
 *   --token <jwt>        one bearer token for every interaction (for the service's own audience,
 *                        urn:concierge:service:<service>, with its scope), or
 *   --token-url <url>    a development token endpoint, POST {"sub", "aud": <service>} → {"access_token"}, asked per
 *                        viewer (default: identity's, $IDENTITY_URL/dev/token, else 127.0.0.1:4100)
 */
const usage = 'usage: npm run pact:verify -- --provider <service> --base-url <url> [--token <jwt> | --token-url <url>]';
let values;
try {
  ({ values } = parseArgs({
    options: { provider: { type: 'string' }, 'base-url': { type: 'string' }, token: { type: 'string' }, 'token-url': { type: 'string' } },
    strict: true,
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const { provider, 'base-url': baseUrl, token, 'token-url': tokenUrl } = values;
if (!provider || !baseUrl) {
  console.error(usage);
  process.exit(2);
}

const fixed = token;
const tokenFor = fixed ? async () => fixed : tokensFrom(tokenUrl ?? `${process.env.IDENTITY_URL ?? 'http://127.0.0.1:4100'}/dev/token`, provider);
const files = pactFilesOf(provider);
if (files.length === 0) {
  console.error(`No pact names the provider "${provider}". The BFFs' pacts name: ${providersIn().join(', ')}.`);
  process.exit(2);
}
try {
  console.log(`Verifying ${provider} at ${baseUrl} against ${files.map((file) => file.replace(/.*\//, '')).join(', ')}`);
  await verifyProvider({ provider, baseUrl: baseUrl.replace(/\/$/, ''), tokenFor });
  console.log(`${provider} honours every client BFF's pact.`);
} catch (error) {
  console.error(`${provider} does not honour the BFFs' pacts: ${(error as Error).message}`);
  process.exit(1);
}
