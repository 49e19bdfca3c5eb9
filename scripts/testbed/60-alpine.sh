#!/bin/bash
# HONEST stand-in for docker.io/library/alpine:3.20 : Debian busybox-static 1.35 + Debian musl 1.2.3 (Alpine 3.20 has busybox 1.36.1, musl 1.2.5).
# What the real minirootfs holds (alpinelinux/docker-alpine, branch v3.20, its lib/apk/db/installed: alpine-baselayout(-data),
# alpine-keys, apk-tools, busybox, ca-certificates-bundle, libcrypto3, libssl3, musl, musl-utils, scanelf, ssl_client, zlib):
# the CA bundle (/etc/ssl/certs/ca-certificates.crt, /etc/ssl/cert.pem), /etc/services and /etc/protocols, busybox's
# sh and wget; NO time zone data (/usr/share/zoneinfo comes with `apk add tzdata`), no curl, git, openssl binary or libgcc.
# Not reproduced: libssl.so.3/libcrypto.so.3 and zlib (musl builds; Debian has none) and apk-tools with its package db.
# /sbin/apk is a shim: `apk add` of ca-certificates (baked in, as in real alpine) and tzdata (installed from a stash,
# absent until then, as in real alpine) succeeds, `apk del tzdata` removes it again; anything else fails loudly.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
W=$TB/work/alpine; rm -rf $W; mkdir -p $W/debs $W/root; cd $W/debs
apt-get download -qq busybox-static musl tzdata ca-certificates netbase 2>/dev/null
R=$W/root; mkdir -p $R/{bin,sbin,usr/bin,usr/sbin,lib,etc,root,tmp,var/cache,var/log,home,proc,sys,dev,run,mnt,opt,srv,media}; chmod 1777 $R/tmp; chmod 700 $R/root
dpkg-deb --fsys-tarfile musl_*.deb | tar -x -C $R ./lib ./etc
rm $R/lib/ld-musl-x86_64.so.1; mv $R/lib/x86_64-linux-musl/libc.so $R/lib/ld-musl-x86_64.so.1; rmdir $R/lib/x86_64-linux-musl
ln -s ld-musl-x86_64.so.1 $R/lib/libc.musl-x86_64.so.1; rm -rf $R/etc/ld-musl-x86_64.d $R/etc/ld-musl-x86_64.path
T=$W/bb; mkdir -p $T; dpkg-deb -x busybox-static_*.deb $T; cp $T/bin/busybox $R/bin/busybox
chroot $R /bin/busybox --install -s   # symlinks for every applet, like Alpine
# Real alpine has NO tzdata until `apk add tzdata`: zoneinfo waits in a stash that the apk shim installs from.
T=$W/tz; mkdir -p $T; dpkg-deb -x tzdata_*.deb $T; mkdir -p $R/usr/lib/apk-standin; cp -a $T/usr/share/zoneinfo $R/usr/lib/apk-standin/
rm -f $R/usr/lib/apk-standin/zoneinfo/localtime   # Debian's link to /etc/localtime; Alpine's tzdata has none
T=$W/ca; mkdir -p $T; dpkg-deb -x ca-certificates_*.deb $T; mkdir -p $R/etc/ssl/certs; cat $T/usr/share/ca-certificates/mozilla/*.crt > $R/etc/ssl/certs/ca-certificates.crt; ln -s certs/ca-certificates.crt $R/etc/ssl/cert.pem
# /etc/services and /etc/protocols (alpine-baselayout-data has its own copies; Debian's netbase lists the same IANA names)
T=$W/nb; mkdir -p $T; dpkg-deb -x netbase_*.deb $T; cp $T/etc/services $T/etc/protocols $R/etc/
cat > $R/etc/passwd <<'P'
root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
P
printf 'root:x:0:root\nbin:x:1:root,bin,daemon\ndaemon:x:2:root,bin,daemon\ntty:x:5:\nwheel:x:10:root\nwww-data:x:82:\nusers:x:100:\nnogroup:x:65533:\nnobody:x:65534:\n' > $R/etc/group
printf 'root:*::0:::::\nbin:!::0:::::\ndaemon:!::0:::::\nnobody:!::0:::::\n' > $R/etc/shadow; chmod 640 $R/etc/shadow
printf '/bin/sh\n/bin/ash\n' > $R/etc/shells
echo "3.20.0-standin" > $R/etc/alpine-release
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\nPRETTY_NAME="Alpine Linux v3.20 (offline stand-in: Debian busybox-static+musl, no apk)"\n' > $R/etc/os-release
printf 'hosts: files dns\n' > $R/etc/nsswitch.conf; echo localhost > $R/etc/hostname
cat > $R/sbin/apk <<'A'
#!/bin/sh
# apk of the offline alpine stand-in (no Alpine repository is reachable): only what the stand-in really has.
#   apk [OPTS] add PKG...  ca-certificates, ca-certificates-bundle: already installed; tzdata: installs /usr/share/zoneinfo
#   apk [OPTS] del PKG...  tzdata: removes /usr/share/zoneinfo; ca-certificates: kept (the bundle is part of the base)
#   apk update             nothing to do
# Any other package or command fails with exit 99.
no() { echo "apk: $* (offline alpine stand-in, no Alpine repository)" >&2; exit 99; }
cmd=; skip=; pkgs=
for a; do
  if [ -n "$skip" ]; then skip=; continue; fi
  case "$a" in
    -t|--virtual|-X|--repository|--repositories-file|-p|--root|--arch|--cache-dir|--keys-dir) skip=1 ;;
    -*) ;;
    *) if [ -z "$cmd" ]; then cmd=$a; else pkgs="$pkgs $a"; fi ;;
  esac
done
case "$cmd" in
  update) exit 0 ;;
  add|del) ;;
  *) no "'apk ${cmd:-(no command)}' is not supported" ;;
esac
for p in $pkgs; do
  case "$p" in
    ca-certificates|ca-certificates-bundle) ;;
    tzdata) if [ "$cmd" = add ]; then mkdir -p /usr/share && cp -a /usr/lib/apk-standin/zoneinfo /usr/share/; else rm -rf /usr/share/zoneinfo; fi ;;
    *) no "package '$p' unavailable" ;;
  esac
done
exit 0
A
chmod 755 $R/sbin/apk
c=$(buildah from scratch); m=$(buildah mount $c); cp -a $R/. $m/; buildah umount $c >/dev/null
buildah config --os linux --arch amd64 --env PATH=$STD_PATH --cmd '["/bin/sh"]' $c
buildah run $c -- sh -c 'test ! -e /usr/share/zoneinfo && apk add --no-cache tzdata && test -f /usr/share/zoneinfo/Europe/Berlin &&
  apk del tzdata && test ! -e /usr/share/zoneinfo && ! apk add --no-cache curl 2>/dev/null'
buildah commit -q --rm $c docker.io/library/alpine:3.20 >/dev/null
buildah images | grep alpine || true
