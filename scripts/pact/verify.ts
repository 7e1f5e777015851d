import { Verifier } from '@pact-foundation/pact';
import { PACTS_DIR, pactFilesOf } from './files.ts';
import { STATES } from './interactions.ts';

// Pact's core reports anonymous usage over the network unless told not to; nothing here leaves the machine.
process.env.PACT_DO_NOT_TRACK = 'true';

export interface VerifyOptions {
  /** The service's name as the pacts name it: `catalog`, `users`, `my-list`… */
  provider: string;
  /** Where the service under test answers. */
  baseUrl: string;
  /** A bearer token for a viewer: each interaction is sent with its viewer's (provider state `a signed-in viewer`). */
  tokenFor: (sub: string) => Promise<string>;
  pactsDir?: string;
}

/**
 * Provider verification: every interaction every client BFF's pact holds for `provider`, sent
 * to `baseUrl` by Pact's verifier, each answer checked against what that BFF reads. Provider
 * states are set up through the service's own API: the viewer's token, and whether the title
 * of a list write is on the viewer's list. Resolves when every interaction passes; rejects
 * otherwise, after Pact's core has printed each mismatch (the field's JSON path, expected and
 * found) on stdout.
 */
export async function verifyProvider({ provider, baseUrl, tokenFor, pactsDir = PACTS_DIR }: VerifyOptions): Promise<void> {
  const pactUrls = pactFilesOf(provider, pactsDir);
  if (pactUrls.length === 0) throw new Error(`no pact in ${pactsDir} names the provider "${provider}"`);
  let token = '';
  const list = async (method: 'PUT' | 'DELETE', params: unknown) => {
    const { userId, contentId } = params as { userId: string; contentId: string };
    const response = await fetch(`${baseUrl}/my-list/${userId}/${contentId}`, { method, headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`setting up "${method === 'PUT' ? STATES.inList : STATES.notInList}": ${method} /my-list/${userId}/${contentId} answered ${response.status}`);
  };
  await new Verifier({
    provider,
    providerBaseUrl: baseUrl,
    pactUrls,
    logLevel: 'error',
    stateHandlers: {
      [STATES.viewer]: async (params) => {
        token = await tokenFor((params as { sub: string }).sub);
      },
      [STATES.notInList]: (params) => list('DELETE', params),
      [STATES.inList]: (params) => list('PUT', params),
    },
    // The pact holds an example token; each request goes with its viewer's real one.
    requestFilter: (request, _response, next) => {
      request.headers.authorization = `Bearer ${token}`;
      next();
    },
  }).verifyProvider();
}

/** Tokens from a development token endpoint in identity's shape: `POST {sub, aud: <service>}` → `{access_token}`. */
export const tokensFrom =
  (tokenUrl: string, provider: string) =>
  async (sub: string): Promise<string> => {
    // A token for the service itself (its audience): a service takes no client's or BFF's token.
    const response = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, aud: provider }) });
    if (!response.ok) throw new Error(`${tokenUrl} answered ${response.status} for ${sub}: ${await response.text()}`);
    return ((await response.json()) as { access_token: string }).access_token;
  };
