#!/bin/bash
# HONEST stand-in for docker.io/library/alpine:3.20 : Debian busybox-static 1.35 + Debian musl 1.2.3 (Alpine 3.20 has busybox 1.36.1, musl 1.2.5).
# No apk-tools, no Alpine package db. /sbin/apk is a shim: "add" of ca-certificates/tzdata succeeds (already baked in), anything else fails loudly.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
W=$TB/work/alpine; rm -rf $W; mkdir -p $W/debs $W/root; cd $W/debs
apt-get download -qq busybox-static musl tzdata ca-certificates 2>/dev/null
R=$W/root; mkdir -p $R/{bin,sbin,usr/bin,usr/sbin,lib,etc,root,tmp,var/cache,var/log,home,proc,sys,dev,run,mnt,opt,srv,media}; chmod 1777 $R/tmp; chmod 700 $R/root
dpkg-deb --fsys-tarfile musl_*.deb | tar -x -C $R ./lib ./etc
rm $R/lib/ld-musl-x86_64.so.1; mv $R/lib/x86_64-linux-musl/libc.so $R/lib/ld-musl-x86_64.so.1; rmdir $R/lib/x86_64-linux-musl
ln -s ld-musl-x86_64.so.1 $R/lib/libc.musl-x86_64.so.1; rm -rf $R/etc/ld-musl-x86_64.d $R/etc/ld-musl-x86_64.path
T=$W/bb; mkdir -p $T; dpkg-deb -x busybox-static_*.deb $T; cp $T/bin/busybox $R/bin/busybox
chroot $R /bin/busybox --install -s   # symlinks for every applet, like Alpine
T=$W/tz; mkdir -p $T; dpkg-deb -x tzdata_*.deb $T; mkdir -p $R/usr/share; cp -a $T/usr/share/zoneinfo $R/usr/share/  # real alpine has NO tzdata unless `apk add tzdata`
T=$W/ca; mkdir -p $T; dpkg-deb -x ca-certificates_*.deb $T; mkdir -p $R/etc/ssl/certs; cat $T/usr/share/ca-certificates/mozilla/*.crt > $R/etc/ssl/certs/ca-certificates.crt; ln -s certs/ca-certificates.crt $R/etc/ssl/cert.pem
cat > $R/etc/passwd <<'P'
root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
P
printf 'root:x:0:root\nbin:x:1:root,bin,daemon\ndaemon:x:2:root,bin,daemon\ntty:x:5:\nwheel:x:10:root\nusers:x:100:\nnogroup:x:65533:\nnobody:x:65534:\n' > $R/etc/group
printf 'root:*::0:::::\nbin:!::0:::::\ndaemon:!::0:::::\nnobody:!::0:::::\n' > $R/etc/shadow; chmod 640 $R/etc/shadow
echo "3.20.0-standin" > $R/etc/alpine-release
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\nPRETTY_NAME="Alpine Linux v3.20 (offline stand-in: Debian busybox-static+musl, no apk)"\n' > $R/etc/os-release
printf 'hosts: files dns\n' > $R/etc/nsswitch.conf; echo localhost > $R/etc/hostname
cat > $R/sbin/apk <<'A'
#!/bin/sh
# offline stand-in: no Alpine repository is reachable
[ "$1" = add ] || { echo "apk: stand-in supports only 'apk add' of preinstalled packages" >&2; exit 99; }
shift; for a; do case "$a" in -*|ca-certificates|ca-certificates-bundle|tzdata) ;; *) echo "apk: package '$a' unavailable (offline alpine stand-in, no Alpine repo)" >&2; exit 99;; esac; done; exit 0
A
chmod 755 $R/sbin/apk
c=$(buildah from scratch); m=$(buildah mount $c); cp -a $R/. $m/; buildah umount $c >/dev/null
buildah config --os linux --arch amd64 --env PATH=$STD_PATH --cmd '["/bin/sh"]' $c
buildah commit -q --rm $c docker.io/library/alpine:3.20 >/dev/null
buildah images | grep alpine || true
