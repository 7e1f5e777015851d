/**
 * The kit's layering, checked in CI (`npm run arch:check`, README "Architecture check").
 * test/architecture/arch-check.test.ts runs these rules on the tree and on a planted violation
 * of each.
 *
 * Type-only imports count (`tsPreCompilationDeps`): a type imported upwards is still a floor
 * that depends on the one above it, and it is how the kit's old 24-file cycle was made.
 */

/** The transports: node:http's fast lane, yoga's lane and the WebSocket lane, each an adapter of the one request lifecycle. */
const TRANSPORTS = '^bffs/kit/server/(fast-lane|yoga-lane|socket-lane)[.]ts$';

/**
 * The request path's floors, top to bottom: assembly and transports, the request lifecycle, the
 * perimeter, execution. Each imports only the floors under it (and the kit's lower floors:
 * contracts, caching, resilience, loaders, downstream, stores, observability, core).
 */
const FLOORS = ['server', 'request', 'perimeter', 'execution'];

/** The wings: features that register their stages and routes with the assembly. The request path never names them. */
const WINGS = ['sign-in', 'graphiql', 'locale', 'flags'];

/** A rule that one part of the kit imports nothing of another: the shape of every layering rule here. */
const forbid = (name, comment, from, to) => ({ name, severity: 'error', comment, from: { path: from }, to: { path: to } });

/** Folders that a lower one never imports, beyond the request path's floors. */
const oneWayRules = [
  forbid(
    'perimeter-under-caching',
    'caching/ works on what the perimeter admitted (the response cache keys on it): the perimeter ' +
      'imports nothing of caching/. A type both need goes down to core/ (core/cache-policy.ts).',
    '^bffs/kit/perimeter/',
    '^bffs/kit/caching/',
  ),
  forbid(
    'stores-under-features',
    "stores/ keep what the replicas share (Redis, rate limits, sessions, the response cache's backends): " +
      'caching/ and sign-in/ use them, and they import neither. A type both need goes down to core/.',
    '^bffs/kit/stores/',
    '^bffs/kit/(caching|sign-in)/',
  ),
  forbid(
    'live-events-under-the-request-path',
    'live/ (the services\' events, each viewer\'s subscriptions) is read by execution\'s context, like the loaders: ' +
      'it imports nothing of the request path (server/, request/, perimeter/, execution/).',
    '^bffs/kit/live/',
    '^bffs/kit/(server|request|perimeter|execution)/',
  ),
  forbid(
    'request-path-knows-no-wing',
    `The request path (request/, perimeter/, execution/) does not know the wings (${WINGS.join(', ')}) by name: ` +
      'a wing registers its stages and routes with the assembly (server/create-bff.ts), and a type both need goes down to core/.',
    '^bffs/kit/(request|perimeter|execution)/',
    `^bffs/kit/(${WINGS.join('|')})/`,
  ),
];

const floorRules = FLOORS.slice(1).map((floor, i) =>
  forbid(
    `${floor}-points-down`,
    `bffs/kit/${floor}/ is under ${FLOORS.slice(0, i + 1).join(', ')}: it imports none of them (the way through the code runs one way).`,
    `^bffs/kit/${floor}/`,
    `^bffs/kit/(${FLOORS.slice(0, i + 1).join('|')})/`,
  ),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No import cycle in the kit, type-only imports included. Move the shared type down to ' +
        'bffs/kit/core/ (or name what one side needs where it is used) instead of importing upwards.',
      from: { path: '^bffs/kit/' },
      to: { circular: true },
    },
    {
      name: 'core-is-the-ground-floor',
      severity: 'error',
      comment: 'bffs/kit/core/ holds the shared types under everything: it imports nothing else of the kit (or of the BFFs), only node and npm packages.',
      from: { path: '^bffs/kit/core/' },
      to: { path: '^bffs/', pathNot: '^bffs/kit/core/' },
    },
    {
      name: 'clients-through-the-front-door',
      severity: 'error',
      comment: 'A client BFF (bffs/<client>/) imports the kit through bffs/kit/index.ts only: add what it needs there.',
      from: { path: '^bffs/[^/]+/', pathNot: ['^bffs/kit/', '^bffs/[^/]+/sdk/'] },
      to: { path: '^bffs/kit/', pathNot: '^bffs/kit/index[.]ts$' },
    },
    {
      name: 'sdk-imports-the-kit-request-only',
      severity: 'error',
      comment:
        "A client's SDK (bffs/<client>/sdk/) ships to apps: of the kit it imports bffs/kit/sdk/ only " +
        '(the front door would pull in the server; sdk:pack refuses it too).',
      from: { path: '^bffs/[^/]+/sdk/', pathNot: '^bffs/kit/' },
      to: { path: '^bffs/kit/', pathNot: '^bffs/kit/sdk/' },
    },
    {
      name: 'transports-only-from-assembly',
      severity: 'error',
      comment:
        'The transports (server/fast-lane.ts, server/yoga-lane.ts) are plugged in by server ' +
        'assembly (server/create-bff.ts) alone: the rest of the kit serves both, so it imports neither.',
      from: { path: '^bffs/', pathNot: ['^bffs/kit/server/create-bff[.]ts$', TRANSPORTS] },
      to: { path: TRANSPORTS },
    },
    ...floorRules,
    ...oneWayRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too (see above).
    tsPreCompilationDeps: true,
    // Only what the rules speak of: the kit and the client BFFs (not tests, scripts or the bench).
    includeOnly: '^bffs/',
  },
};
