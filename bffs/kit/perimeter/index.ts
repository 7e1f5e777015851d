import type { GraphQLSchema } from 'graphql';
import type { CachePolicy } from '../core/cache-policy.ts';
import type { DocumentCatalog } from '../contracts/document-catalog.ts';
import { createVersionViews, readSchemaGates } from '../contracts/gates.ts';
import { createContractUsage } from '../contracts/usage.ts';
import { createOperationPreparer } from '../execution/operations.ts';
import { createCostLimiter } from '../stores/rate-limiter.ts';
import type { RedisClient } from '../stores/redis.ts';
import type { CorsPolicy } from './cors.ts';
import { InFlightCounts } from './in-flight.ts';
import { createOperationLimits } from '../execution/operation-limits.ts';
import { createGate, createPerimeter, type ScreenStage, type Stage } from './pipeline.ts';
import type { ResolvedPerimeter } from '../core/perimeter-policy.ts';
import { authenticationStage } from './stages/authentication.ts';
import { clientAddressStage } from './stages/client-address.ts';
import { clientVersionStage } from './stages/client-version.ts';
import { documentStage } from './stages/document.ts';
import { inFlightStage } from './stages/in-flight.ts';
import { methodStage } from './stages/method.ts';
import { originStage } from './stages/origin.ts';
import { paramsStage } from './stages/params.ts';
import { rateLimitStage } from './stages/rate-limit.ts';
import { trustedDocumentsStage } from './stages/trusted-documents.ts';
import { variablesStage } from './stages/variables.ts';
import type { VerifyViewer } from './viewer.ts';

export interface ClientPerimeterOptions {
  client: string;
  schema: GraphQLSchema;
  /** The client's perimeter policy, the environment's overrides applied (server/settings.ts). */
  policy: ResolvedPerimeter;
  production: boolean;
  /** The trusted documents of the working copy and every supported release, with the version policy. */
  documents: DocumentCatalog;
  verifyViewer: VerifyViewer;
  /** The client's cache defaults, which operations are prepared with (caching/cache-hints.ts). */
  cacheDefaults?: CachePolicy;
  /** The browser origins this client serves, and whether they send credentials (cors.ts). */
  cors: CorsPolicy;
  redis?: RedisClient;
  /** The wings' stages (wing.ts) that run before every other, on the headers alone: sign-in's CSRF check for a cookie client. */
  firstStages?: readonly ScreenStage[];
  /** A wing's stage that finds the viewer in place of the bearer-token one (sign-in's session stages). */
  authenticate?: Stage;
  /** The wings' stages that say what shapes the answer (wing.ts): run last, once the viewer is known. */
  variationStages?: readonly Stage[];
}

/**
 * One client's perimeter, in the order every GraphQL request meets it, on both transports.
 *
 * Screening, on the request's headers alone, before its parameters are read (so a request refused
 * here costs no body read, no JSON parse, no document look-up and no budget):
 *  0. first stages       the wings' (wing.ts): for a cookie client, sign-in's CSRF check (the
 *                        session cookie without `X-CSRF: 1`, or from a foreign origin: 403)
 *  1. origin             a browser origin the client does not serve: 403 (CSRF), before anything runs
 *     in flight (ip)     the client address (client-address.ts: the peer, or the trusted proxies'
 *                        X-Forwarded-For) takes one of its in-flight slots until the answer is out: 429
 *     in flight (viewer) when the bearer token was verified before (viewer.ts `known`), its viewer
 *                        takes one of its slots here: 429 (else at 9, once the viewer is known)
 * Then, with the parameters:
 *  2. params             the GraphQL-over-HTTP parameters, well-formed: else 400 BAD_REQUEST
 *  3. trusted-documents  `documentId` / Apollo's hash → a supported release's text; raw text only if allowed
 *  4. document           parse (tokens), armor's limits, validation, compilation: once per document
 *     variables          only the variables the operation declares: else 400 BAD_USER_INPUT
 *  5. client-version     the app's version, believed only as far as the releases shipping the
 *                        document (a working-copy document: the release it names, else the
 *                        newest); a retired one 400; a field gated past it 400 (contracts/)
 *  6. method             no mutation over GET: 405
 *  7. rate limit (ip)    the client address spends the operation's cost: before any token is checked
 *  8. authentication     the viewer, from the verified bearer token (its audience this BFF's), or
 *                        a wing's stage in its place (sign-in's: for a cookie client from the
 *                        session, for a device client from the session its bearer token names,
 *                        the session's token refreshed when about to expire): 401
 *  9. in flight (viewer) the viewer takes one of its in-flight slots until the answer is out, unless
 *                        screening took it: 429
 *     rate limit (viewer) the viewer spends the operation's cost: 429
 * 10. variation          the wings' (wing.ts): what shapes the answer (the locale, the flag
 *                        variants), never a refusal
 *
 * Load shedding (503) and the body-size limit (413) act on the request's headers too, at the
 * request lifecycle's edge (request/lifecycle.ts), the shedder after screening.
 */
export function createClientPerimeter({ client, schema, policy, production, documents, verifyViewer, cacheDefaults, cors, redis, firstStages = [], authenticate: wingAuthentication, variationStages = [] }: ClientPerimeterOptions) {
  const wingAuthenticates = wingAuthentication !== undefined;
  const authenticate = wingAuthentication ?? authenticationStage(verifyViewer);
  const limits = createOperationLimits(policy.limits, policy.maxPageSize);
  const gates = readSchemaGates(schema);
  const operations = createOperationPreparer({ schema, gates, limits, production, cacheDefaults });
  const usage = createContractUsage([...documents.documents.values()].flatMap((document) => document.releases));

  const screening: ScreenStage[] = [...firstStages, originStage(cors)];
  const budgets: Stage[] = [];
  if (policy.rateLimits && policy.inFlight) {
    const ip = createCostLimiter(policy.rateLimits.ip, `concierge:rate:${client}:ip`, redis);
    const viewer = createCostLimiter(policy.rateLimits.viewer, `concierge:rate:${client}:viewer`, redis);
    const ipInFlight = new InFlightCounts(policy.inFlight.ip);
    const viewerInFlight = new InFlightCounts(policy.inFlight.viewer);
    const viewerSlot = inFlightStage('viewer', viewerInFlight, (passage) => passage.viewer!.id);
    screening.push(clientAddressStage(policy.trustedProxyHops), inFlightStage('ip', ipInFlight, (passage) => passage.clientAddress!));
    // A wing's credential (a session) is read from its store, not known for free: its viewer's slot waits for it.
    if (!wingAuthenticates) screening.push(inFlightStage('viewer', viewerInFlight, (passage) => verifyViewer.known(passage.request.headers.get('authorization'))?.id));
    budgets.push(rateLimitStage('ip', ip, (passage) => passage.clientAddress!), authenticate, viewerSlot, rateLimitStage('viewer', viewer, (passage) => passage.viewer!.id));
  } else {
    budgets.push(authenticate);
  }

  const perimeter = createPerimeter([paramsStage, trustedDocumentsStage(documents, policy.trustedDocuments), documentStage(operations), variablesStage, clientVersionStage(documents, createVersionViews(gates), usage), methodStage, ...budgets, ...variationStages], screening);

  // A WebSocket's handshake (server/socket-lane.ts): the same first stages, origin and viewer as
  // every request, before the socket opens; each `subscribe` message on it then meets the whole
  // perimeter above with the handshake's headers. Checked again while the socket stays open, so
  // a session that ends closes it.
  const handshake = createGate([...firstStages, originStage(cors), clientAddressStage(policy.trustedProxyHops), authenticate]);

  // Trusted documents are prepared now, so the first request pays nothing and a manifest entry
  // that no longer fits the schema or the limits fails the start, not a user.
  for (const [id, { text }] of documents.documents) {
    const prepared = operations.trusted(text, undefined);
    if (!prepared.ready) throw new Error(`${client}: trusted document ${id} is refused: ${prepared.errors.map((e) => e.message).join('; ')}`);
  }
  return { perimeter, handshake, gates, usage };
}
