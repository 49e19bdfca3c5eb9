FROM node:20 AS builder

WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci

COPY . .

# tsx (a devDependency) runs the TypeScript at start: every dependency stays.
FROM node:20-slim
WORKDIR /app
COPY --from=builder /app/package.json /app/tsconfig.json ./
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/src ./src
USER node
CMD ["npm", "start"]
