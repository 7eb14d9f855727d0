# syntax=docker/dockerfile:1
# The prediction API. Build: docker build -t defasagem .   Run: see docker-compose.yml.
# Every ENV below is a setting of `defasagem config` (a test checks the names against the schema).
#
# Node 24 is a maintained LTS (security fixes until April 2028; Node 20 reached its end of life in
# April 2026) and inside better-sqlite3 12's engines (20.x–25.x). All three stages use the same image,
# so the native module is compiled against the Node ABI and glibc it runs on.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- native: production dependencies, better-sqlite3 compiled from source (no prebuilt download) ----
FROM ${NODE_IMAGE} AS native
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off for the install, then better-sqlite3's own `build-release` (node-gyp, bundled with npm)
# instead of prebuild-install's download; the last line fails the build if the module does not load.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm run build-release --prefix node_modules/better-sqlite3 \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

# ---- build: dev dependencies without install scripts (tsc and vite need no native module) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

# ---- runtime: compiled JS and the native stage's production dependencies, as the unprivileged `node` user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    MODEL_VERSION=champion \
    REGISTRY_DIR=/data/registry \
    ON_MODEL_ERROR=not-ready \
    LOG_LEVEL=info \
    MONITOR_DATA_DIR=/data/monitoring
WORKDIR /app
# The monitoring volume's mount point, writable by the unprivileged user (a new volume copies it).
RUN mkdir -p /data/monitoring && chown node:node /data/monitoring && chmod 700 /data/monitoring
COPY --from=native --chown=node:node /app/package.json ./package.json
COPY --from=native --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/web/dist ./web/dist
USER node
EXPOSE 8000
# Healthy = a model is loaded and answering (GET /ready); /health is the bare liveness probe.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Off loopback the server refuses to start without API_KEYS (sha256hex:role; `defasagem serve hash-key`).
CMD ["node", "dist/cli/main.js", "serve"]
