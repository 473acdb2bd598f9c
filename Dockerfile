# One image for the worker (default), the API and the CLI; docker-compose.yml picks the entry with `command:`.
# Same Node.js release as the test suite runs on.
FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only: tsx (the TypeScript loader) is one of them.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
# The code stays owned by root and read-only to the process.
USER node
# Exec form, node as the process itself (not npm or a shell), so SIGTERM reaches it and the worker drains.
CMD ["node", "--import", "tsx", "src/worker.ts"]
