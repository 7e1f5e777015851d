# syntax=docker/dockerfile:1
# One image for every BFF and for the downstream mocks; the command picks which (deploy/README.md):
#   docker build -t concierge .
#   docker run --rm -p 4001:4001 concierge bffs/mobile/main.js
# The image runs JavaScript that tsc compiled in the build stage (tsconfig.build.json: each .js
# beside its .ts, since the BFFs read their SDL and documents relative to their own modules), not
# TypeScript through tsx: measured with `npm run bench:runtime` (bench/runtime-start.ts), a mobile
# BFF starts with less CPU and a smaller RSS that way, with no loader hook or esbuild process at
# run time. Node 24's own type stripping cannot run these sources (parameter properties).
ARG NODE_IMAGE=node:24-bookworm-slim

# Production dependencies only: what the runtime stage ships.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Every dependency, to typecheck the sources the image will run.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck && npx tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: reaps zombies and passes SIGTERM on to node, whose handler drains the BFF.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/bffs ./bffs
COPY --from=build /app/downstream-mocks ./downstream-mocks
COPY --from=build /app/deploy/compose/mocks.js ./deploy/compose/mocks.js
# The node image's unprivileged user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000
EXPOSE 4000 4001 4002 4090 4091 4092
# Exec form, no shell: SIGTERM reaches tini, then node. The flag is bffs/kit/server/node-flags.ts's
# BFF_NODE_FLAGS (npm run deploy:check holds the two equal).
# A client's command starts with its own CLIENT_NODE_FLAGS, which node reads after these (web's
# single-threaded GC, for its live sockets); compose and each Kubernetes overlay name theirs.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=64"]
CMD ["--single-threaded-gc", "bffs/web/main.js"]
