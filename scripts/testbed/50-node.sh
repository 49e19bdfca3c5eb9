#!/bin/bash
# Stand-ins for docker.io/library/node:20-slim and node:20 (bookworm), official layout (nodejs/docker-node
# 20/bookworm{,-slim}/Dockerfile): /usr/local/bin/node (+ nodejs link), /usr/local/lib/node_modules/{npm,corepack},
# yarn 1.22.22 in /opt/yarn-v1.22.22 linked from /usr/local/bin, user node 1000, docker-entrypoint.sh.
# node:20-slim is debian:bookworm-slim + node: the real one installs ca-certificates, curl, wget, gnupg to fetch node and
# yarn and purges them again (keeping only the libraries node links to), so it has NO CA bundle, curl, wget or git.
# node:20 is buildpack-deps:bookworm (the full set, see lib.sh) + node.
# Node binary + npm + corepack + headers are copied from the HOST's Node 20 install (dpkg nodejs 20.x); yarn is the
# yarn@1.22.22 package of the npm registry (same files as yarn's own release tarball).
# Registry access: host /etc/npmrc (cafile=...) is reproduced as /usr/local/etc/npmrc (npm's globalconfig for prefix /usr/local),
# pointing at a copy of the host CA bundle kept outside /etc; nodedir=/usr/local so node-gyp never downloads headers.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
NODE_VERSION=$(node --version | tr -d v)
YARN_VERSION=1.22.22
W=$TB/work/node; rm -rf $W; mkdir -p $W
(cd $W && npm pack -q yarn@$YARN_VERSION >/dev/null) && tar -C $W -xzf $W/yarn-$YARN_VERSION.tgz
c=$(buildah from --pull=never docker.io/library/debian:bookworm-slim)
buildah run $c -- sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
m=$(buildah mount $c)
install -D -m 755 /usr/bin/node $m/usr/local/bin/node
ln -s /usr/local/bin/node $m/usr/local/bin/nodejs
mkdir -p $m/usr/local/lib/node_modules $m/usr/local/include $m/usr/local/etc
cp -a /usr/lib/node_modules/npm /usr/lib/node_modules/corepack $m/usr/local/lib/node_modules/
[ -d /usr/include/node ] && cp -a /usr/include/node $m/usr/local/include/
ln -s ../lib/node_modules/npm/bin/npm-cli.js $m/usr/local/bin/npm
ln -s ../lib/node_modules/npm/bin/npx-cli.js $m/usr/local/bin/npx
ln -s ../lib/node_modules/corepack/dist/corepack.js $m/usr/local/bin/corepack
mkdir -p $m/opt; cp -a $W/package $m/opt/yarn-v$YARN_VERSION
ln -s /opt/yarn-v$YARN_VERSION/bin/yarn $m/usr/local/bin/yarn; ln -s /opt/yarn-v$YARN_VERSION/bin/yarnpkg $m/usr/local/bin/yarnpkg
cp /etc/ssl/certs/ca-certificates.crt $m/usr/local/etc/npm-ca.pem        # the host's CA bundle
sed 's#^cafile=.*#cafile=/usr/local/etc/npm-ca.pem#' /etc/npmrc > $m/usr/local/etc/npmrc   # host /etc/npmrc, CA path adapted
echo 'nodedir=/usr/local' >> $m/usr/local/etc/npmrc
node_entrypoint $m/usr/local/bin/docker-entrypoint.sh
buildah umount $c >/dev/null
# the real slim image keeps only the Debian libraries node links to (all of them in debian:bookworm-slim already)
buildah run $c -- sh -c 'if ldd /usr/local/bin/node | grep "not found"; then exit 1; fi;
  node --version && npm --version && yarn --version && test ! -e /etc/ssl/certs/ca-certificates.crt'
buildah config --env NODE_VERSION=$NODE_VERSION --env YARN_VERSION=$YARN_VERSION --entrypoint '["docker-entrypoint.sh"]' --cmd '["node"]' $c
buildah commit -q --rm $c docker.io/library/node:20-slim >/dev/null
for t in 20-bookworm-slim $NODE_VERSION-slim; do buildah tag docker.io/library/node:20-slim docker.io/library/node:$t; done
# node:20 (full): buildpack-deps:bookworm + the same node
c=$(buildah from --pull=never docker.io/library/node:20-slim)
apt_install $c $BPD_CURL $BPD_SCM $BPD_FULL
buildah commit -q --rm $c docker.io/library/node:20 >/dev/null
for t in 20-bookworm $NODE_VERSION; do buildah tag docker.io/library/node:20 docker.io/library/node:$t; done
buildah images | grep library/node || true
