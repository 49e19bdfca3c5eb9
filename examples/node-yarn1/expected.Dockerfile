from node:20 as builder

workdir /home/node/app
copy package.json yarn.lock ./
run yarn install --frozen-lockfile

copy . .
run yarn install --production --frozen-lockfile --prefer-offline

from node:20-slim
workdir /home/node/app
copy --from=builder /home/node/app/package.json ./
copy --from=builder /home/node/app/node_modules ./node_modules
copy --from=builder /home/node/app/src ./src
copy --from=builder /home/node/app/corpus ./corpus
user node
cmd ["node", "src/app.js", "--top", "3"]
