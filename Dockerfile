# syntax=docker/dockerfile:1
# The README's steps, in two stages:
#   build:   npm ci, npm run build (types generated from the schemas, then tsc)
#   runtime: npm ci --omit=dev (production dependencies only), then what `npm start` runs
#            (node dist/gateway/main.js, started directly so that SIGTERM reaches the gateway and
#            it drains), as the unprivileged `node` user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY schemas ./schemas
COPY gateway ./gateway
COPY adapters ./adapters
COPY mocks ./mocks
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8080 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# What the runtime reads besides dist/: the JSON Schemas (API, platform, codes, config/api-clients),
# the error catalog and platform error map, and the mock platform's synthetic data (mock profile).
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY gateway/errors/*.json ./gateway/errors/
# data files the gateway reads at start: which outcome is made final how (issue 10)
COPY gateway/engine/*.json ./gateway/engine/
# the national-format door's routing table (issue 19: which infnos pass, which are refused)
COPY adapters/his/national/routing.json ./adapters/his/national/routing.json
# the insurance office's console page (static files served at /console)
COPY gateway/console ./gateway/console
# the recorded request/answer examples the OpenAPI document embeds (issue 14)
COPY docs/examples ./docs/examples
COPY mocks/platform/data ./mocks/platform/data
# Files stay root-owned (read-only to the gateway); only the embedded store's directory is writable.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Liveness only (/healthz needs no API key); a load balancer probes readiness at /healthz/ready (no key, no details).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/gateway/main.js"]
