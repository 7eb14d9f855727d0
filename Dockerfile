# syntax=docker/dockerfile:1
# The prediction API. Build: docker build -t defasagem .   Run: see docker-compose.yml.
# Every ENV below is a setting of `defasagem config` (a test checks the names against the schema).

# ---- build: install with dev dependencies, compile TypeScript, then drop dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev

# ---- runtime: compiled JS and production dependencies only, as the unprivileged `node` user ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    MODEL_VERSION=champion \
    REGISTRY_DIR=/data/registry \
    ON_MODEL_ERROR=not-ready \
    LOG_LEVEL=info
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/web/dist ./web/dist
USER node
EXPOSE 8000
# Healthy = a model is loaded and answering (GET /ready); /health is the bare liveness probe.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Off loopback the server refuses to start without API_KEYS (sha256hex:role; `defasagem serve hash-key`).
CMD ["node", "dist/cli/main.js", "serve"]
