FROM node:20-slim AS builder

RUN npm install -g pnpm@9.15.0

WORKDIR /app
COPY package.json pnpm-lock.yaml ./
RUN pnpm install --frozen-lockfile

COPY . .
RUN pnpm prune --prod

FROM node:20-slim
WORKDIR /app
COPY --from=builder /app/package.json ./
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/index.mjs /app/services.json ./
USER node
CMD ["node", "index.mjs"]
