import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { PactV4 } from '@pact-foundation/pact';
import type { DownstreamName, DownstreamUrls } from '../../bffs/kit/core/services.ts';
import { createServiceClients } from '../../bffs/kit/downstream/index.ts';
import type { CallContext } from '../../bffs/kit/downstream/http-client.ts';
import { Deadline } from '../../bffs/kit/resilience/deadline.ts';
import { PACTS_DIR } from './files.ts';
import { bodyTemplate, consumerName, EXAMPLE_TOKEN, interactionsOf, requestHeaders, responseHeaders, type InteractionSpec } from './interactions.ts';
import { clientKeyOf, observe, policyOf } from './observe.ts';

// Pact's core reports anonymous usage over the network unless told not to; nothing here leaves the machine.
process.env.PACT_DO_NOT_TRACK = 'true';

/**
 * The consumer tests: what the BFFs were seen to send and read (observe.ts), declared to Pact
 * (interactions.ts), then each interaction replayed by the real service client method that made
 * the call, with the same arguments, against Pact's mock server. Pact fails the replay when the
 * client's request differs from the declared one in any way (path, query, sparse fields, body,
 * headers), and the client parses the answer Pact makes from the declared body: the pact is
 * what the client does, checked by Pact itself. Writes one pact file per client and service to
 * `dir` (emptied first), and returns the interactions.
 */
export async function writePacts(dir: string = PACTS_DIR): Promise<InteractionSpec[]> {
  const specs = interactionsOf(await observe());
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) if (file.endsWith('.json')) rmSync(`${dir}/${file}`);
  const pairs = new Map<string, InteractionSpec[]>();
  for (const spec of specs) pairs.set(`${spec.consumer}/${spec.provider}`, [...(pairs.get(`${spec.consumer}/${spec.provider}`) ?? []), spec]);
  for (const group of pairs.values()) {
    const { consumer, provider } = group[0]!;
    const pact = new PactV4({ consumer: consumerName(consumer), provider, dir, logLevel: 'error' });
    for (const spec of group) {
      let interaction = pact.addInteraction();
      for (const state of spec.states) interaction = interaction.given(state.name, state.params);
      await interaction
        .uponReceiving(spec.description)
        .withRequest(spec.request.method, spec.request.path, (request) => {
          request.headers(requestHeaders(spec));
          if (Object.keys(spec.request.query).length > 0) request.query(spec.request.query);
          if (spec.request.body !== undefined) request.jsonBody(spec.request.body);
        })
        .willRespondWith(spec.response.status, (response) => {
          if (Object.keys(spec.response.headers).length > 0) response.headers(responseHeaders(spec));
          if (spec.response.body !== undefined) response.jsonBody(bodyTemplate(spec.response.body, spec.response.reads));
        })
        .executeTest((mock) => replay(spec, mock.url));
    }
  }
  return specs;
}

/** The real service client method calls the service at `url` again, as the BFF did. */
async function replay(spec: InteractionSpec, url: string): Promise<void> {
  const urls = new Proxy({} as DownstreamUrls, { get: () => url });
  // No retries: a request Pact refuses must fail the replay once, not be sent again.
  const policy = await policyOf(spec.consumer);
  const clients = createServiceClients(urls, { ...policy, retry: { ...policy.retry, maxAttempts: 1 } });
  const deadline = Deadline.after(5_000);
  const context: CallContext = { credentials: { tokenFor: () => EXAMPLE_TOKEN }, requestId: 'pact-consumer', deadline };
  try {
    const [client, method] = spec.method.split('.') as [string, string];
    if (clientKeyOf(spec.provider as DownstreamName) !== client) throw new Error(`${spec.method} is not a method of the ${spec.provider} client`);
    const fn = (clients as unknown as Record<string, Record<string, (context: CallContext, ...args: unknown[]) => Promise<unknown>>>)[client]![method]!;
    await fn(context, ...spec.args);
  } finally {
    deadline.dispose();
    await clients.close();
  }
}
