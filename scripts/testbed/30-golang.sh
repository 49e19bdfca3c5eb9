#!/bin/bash
# Stand-in for docker.io/library/golang:1.22 (bookworm). The real image (docker-library/golang 1.22/bookworm/Dockerfile)
# is buildpack-deps:bookworm-scm + g++ gcc libc6-dev make pkg-config + the Go tarball at /usr/local/go. Here: the debian
# slim stand-in + the same apt sets (BPD_CURL + BPD_SCM, see lib.sh: CA bundle, curl, wget, git, netbase's
# /etc/services, mercurial's python3 which brings media-types' /etc/mime.types) + Go 1.22.12 from bookworm-backports
# (golang-1.22-go, same upstream version as the last golang:1.22 image), moved to /usr/local/go as a real directory so
# that `go env GOROOT` is /usr/local/go as in the real image (its src, api, misc, test stay relative links into
# /usr/share/go-1.22), plus $GOROOT/lib/time/zoneinfo.zip, which the Go tarball has and Debian's package lacks (made
# from tzdata; package time falls back to it when /usr/share/zoneinfo is missing).
. "$(dirname "$(readlink -f "$0")")/lib.sh"
c=$(buildah from --pull=never docker.io/library/debian:bookworm-slim)
buildah run $c -- sh -c 'echo "deb '"$DEB_URI"' bookworm-backports main" > /etc/apt/sources.list.d/backports.list'
apt_install $c $BPD_CURL $BPD_SCM g++ gcc libc6-dev make pkg-config golang-1.22-go
m=$(buildah mount $c)
rm -f $m/etc/apt/sources.list.d/backports.list
mv $m/usr/lib/go-1.22 $m/usr/local/go   # its links (src -> ../../share/go-1.22/src, ...) resolve the same from here
if find $m/usr $m/etc -lname '*lib/go-1.22*' | grep .; then echo "links into the moved /usr/lib/go-1.22 (above)" >&2; exit 1; fi
mkdir -p $m/usr/local/go/lib/time
go_zoneinfo_zip $m/usr/share/zoneinfo $m/usr/local/go/lib/time/zoneinfo.zip
mkdir -p $m/go/src $m/go/bin; chmod -R 1777 $m/go
buildah umount $c >/dev/null
buildah config --env GOLANG_VERSION=1.22.12 --env GOTOOLCHAIN=local --env GOPATH=/go \
  --env PATH=/go/bin:/usr/local/go/bin:$STD_PATH --workingdir /go --cmd '["bash"]' $c
buildah run $c -- sh -c 'go version && test "$(go env GOROOT)" = /usr/local/go'
buildah commit -q --rm $c docker.io/library/golang:1.22 >/dev/null
buildah images | grep library/golang || true
