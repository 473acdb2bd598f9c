# hostwatch worker image. Not built on the project's own machines (no Docker engine there); see README.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
USER node
# Run node directly (not through npm) so SIGTERM reaches the worker and it drains before exiting.
CMD ["node", "--import", "tsx", "src/worker.ts"]
