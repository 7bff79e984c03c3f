# kadr in a container: `docker compose up` (docker-compose.yml) runs it with PostgreSQL and MinIO;
# README.md ("Docker") says how. Two stages: the first installs every dependency and builds dist/
# (and dist/web, the web UI, where the sources have one); the second holds only what kadr runs.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# npm 11 reads `allowScripts` in package.json, so onnxruntime-node's and node-av's install scripts
# (downloads kadr does not use) do not run; Node 20's own npm 10 would run them (README.md).
RUN npm install -g npm@11.19.1
COPY . .
# `npm ci` runs the `prepare` script, which builds dist/ from src/.
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    KADR_HOST=0.0.0.0 \
    KADR_PORT=8080 \
    KADR_RTSP_PORT=8554 \
    KADR_DATA_DIR=/data \
    KADR_CACHE_DIR=/data/cache \
    KADR_SPOOL_DIR=/data/spool
WORKDIR /app
# Owned by root, read-only to kadr: only /data is written.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/models ./models
COPY --from=build /app/assets ./assets
RUN mkdir -p /data && chown node:node /data
# The `node` user (uid 1000) of the base image.
USER node
VOLUME ["/data"]
EXPOSE 8080 8554
# /api/openapi.json answers without the API token, as soon as the HTTP API is up.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.KADR_PORT||8080)+'/api/openapi.json').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "--initial-old-space-size=128", "bin/kadr.js"]
CMD ["serve"]
