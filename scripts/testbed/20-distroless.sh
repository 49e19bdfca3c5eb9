#!/bin/bash
# Stand-ins for gcr.io/distroless/{static,base-nossl,base,cc}-debian12 built like distroless does:
# data.tar of the same Debian debs (no maintainer scripts), plus passwd/group/nsswitch/os-release/tmp/home, cert bundle,
# /var/lib/dpkg/status.d/<pkg> entries. Not usr-merged (distroless debian12 is not).
. "$(dirname "$(readlink -f "$0")")/lib.sh"
W=$TB/work/distroless; rm -rf "$W"; mkdir -p "$W/debs"; cd "$W/debs"
STATIC_PKGS="base-files netbase tzdata media-types"
NOSSL_PKGS="libc6"; BASE_PKGS="libssl3"; CC_PKGS="libgomp1 libstdc++6 libgcc-s1 gcc-12-base"
apt-get download -qq $STATIC_PKGS ca-certificates $NOSSL_PKGS $BASE_PKGS $CC_PKGS
x() { # x ROOT PKG...: extract debs like rules_distroless
  local r=$1; shift; mkdir -p "$r/var/lib/dpkg/status.d"
  for p in "$@"; do f=$(ls "$W"/debs/${p}_*.deb); dpkg-deb -x "$f" "$r"; dpkg-deb -f "$f" > "$r/var/lib/dpkg/status.d/$p"; done; }
S=$W/static; mkdir -p $S
x $S $STATIC_PKGS
# cacerts: bundle built from the ca-certificates deb (mozilla set only), like rules_distroless `cacerts`
T=$W/cadeb; mkdir -p $T; dpkg-deb -x "$W"/debs/ca-certificates_*.deb $T
mkdir -p $S/etc/ssl/certs $S/usr/share/doc/ca-certificates
cat $T/usr/share/ca-certificates/mozilla/*.crt > $S/etc/ssl/certs/ca-certificates.crt
cp $T/usr/share/doc/ca-certificates/copyright $S/usr/share/doc/ca-certificates/
dpkg-deb -f "$W"/debs/ca-certificates_*.deb > $S/var/lib/dpkg/status.d/ca-certificates
cat > $S/etc/passwd <<'P'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
P
printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' > $S/etc/group
printf 'passwd:         compat\ngroup:          compat\nshadow:         compat\ngshadow:        files\n\nhosts:          files dns\nnetworks:       files\n\nprotocols:      db files\nservices:       db files\nethers:         db files\nrpc:            db files\n\nnetgroup:       nis\n' > $S/etc/nsswitch.conf
rm -f $S/etc/os-release $S/usr/lib/os-release
cat > $S/etc/os-release <<'O'
PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
O
install -d -m 1777 $S/tmp; install -d -m 700 $S/root; install -d -m 755 $S/home; install -d -m 700 -o 65532 -g 65532 $S/home/nonroot
mk() { # mk ROOTDIR TAG...  (root + :nonroot variants)
  local r=$1; shift
  for user in root nonroot; do
    c=$(buildah from scratch); m=$(buildah mount $c); cp -a "$r"/. "$m"/; buildah umount $c >/dev/null
    if [ $user = root ]; then u=0; wd=/; else u=65532; wd=/home/nonroot; fi
    buildah config --os linux --arch amd64 --env PATH=$STD_PATH --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --user $u --workingdir $wd $c
    first=""; for t in "$@"; do tag=$t; [ $user = nonroot ] && tag=${t%:latest}:nonroot
      if [ -z "$first" ]; then buildah commit -q --rm $c $tag >/dev/null; first=$tag; else buildah tag $first $tag; fi; done
  done; }
mk $S gcr.io/distroless/static-debian12:latest gcr.io/distroless/static:latest
B=$W/base-nossl; cp -a $S $B; x $B $NOSSL_PKGS
mk $B gcr.io/distroless/base-nossl-debian12:latest
x $B $BASE_PKGS   # now = base
mk $B gcr.io/distroless/base-debian12:latest gcr.io/distroless/base:latest
x $B $CC_PKGS     # now = cc
mk $B gcr.io/distroless/cc-debian12:latest gcr.io/distroless/cc:latest
buildah images | grep distroless || true
