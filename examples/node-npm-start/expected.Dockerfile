FROM node:20 AS builder

WORKDIR /usr/src/app

COPY package*.json ./
RUN npm ci

COPY . .
RUN npm prune --omit=dev

FROM node:20-slim
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app/package.json ./
COPY --from=builder /usr/src/app/node_modules ./node_modules
COPY --from=builder /usr/src/app/server.js ./
COPY --from=builder /usr/src/app/lib ./lib
COPY --from=builder /usr/src/app/data ./data
USER node
EXPOSE 3000
CMD ["node", "server.js"]
