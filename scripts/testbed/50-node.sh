#!/bin/bash
# Stand-ins for docker.io/library/node:20-slim and node:20 (bookworm), official layout (/usr/local/bin/node,
# /usr/local/lib/node_modules/{npm,corepack}, yarn 1.22.22 from the npm registry, user node 1000, docker-entrypoint.sh).
# Node binary + npm + corepack + headers are copied from the HOST's Node 20 install (dpkg nodejs 20.x).
# Registry access: host /etc/npmrc (cafile=...) is reproduced as /usr/local/etc/npmrc (npm's globalconfig for prefix /usr/local),
# pointing at a copy of the host CA bundle kept outside /etc; nodedir=/usr/local so node-gyp never downloads headers.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
NODE_VERSION=$(node --version | tr -d v)
c=$(buildah from --pull=never docker.io/library/debian:bookworm-slim)
buildah run $c -- sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node &&
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libatomic1 >/dev/null && rm -rf /var/lib/apt/lists/*'
m=$(buildah mount $c)
install -D -m 755 /usr/bin/node $m/usr/local/bin/node
mkdir -p $m/usr/local/lib/node_modules $m/usr/local/include $m/usr/local/etc
cp -a /usr/lib/node_modules/npm /usr/lib/node_modules/corepack $m/usr/local/lib/node_modules/
[ -d /usr/include/node ] && cp -a /usr/include/node $m/usr/local/include/
ln -s ../lib/node_modules/npm/bin/npm-cli.js $m/usr/local/bin/npm
ln -s ../lib/node_modules/npm/bin/npx-cli.js $m/usr/local/bin/npx
ln -s ../lib/node_modules/corepack/dist/corepack.js $m/usr/local/bin/corepack
cp /etc/ssl/certs/ca-certificates.crt $m/usr/local/etc/npm-ca.pem        # the host's CA bundle
sed 's#^cafile=.*#cafile=/usr/local/etc/npm-ca.pem#' /etc/npmrc > $m/usr/local/etc/npmrc   # host /etc/npmrc, CA path adapted
echo 'nodedir=/usr/local' >> $m/usr/local/etc/npmrc
cat > $m/usr/local/bin/docker-entrypoint.sh <<'E'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
E
chmod 755 $m/usr/local/bin/docker-entrypoint.sh
buildah umount $c >/dev/null
buildah run $c -- sh -c 'npm install -g --no-audit --no-fund yarn@1.22.22 >/dev/null && rm -rf /root/.npm /tmp/* && node --version && npm --version && yarn --version'
buildah config --env NODE_VERSION=$NODE_VERSION --env YARN_VERSION=1.22.22 --entrypoint '["docker-entrypoint.sh"]' --cmd '["node"]' $c
buildah commit -q --rm $c docker.io/library/node:20-slim >/dev/null
for t in 20-bookworm-slim $NODE_VERSION-slim; do buildah tag docker.io/library/node:20-slim docker.io/library/node:$t; done
# node:20 (full): real one is buildpack-deps:bookworm (~1.1 GB); we add only the build tools native addons need
c=$(buildah from --pull=never docker.io/library/node:20-slim)
buildah run $c -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
   ca-certificates curl wget git openssh-client procps python3 make g++ libc6-dev pkg-config >/dev/null && rm -rf /var/lib/apt/lists/*'
buildah commit -q --rm $c docker.io/library/node:20 >/dev/null
for t in 20-bookworm $NODE_VERSION; do buildah tag docker.io/library/node:20 docker.io/library/node:$t; done
buildah images | grep library/node || true
