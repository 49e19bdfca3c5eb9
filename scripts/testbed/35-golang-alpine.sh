#!/bin/bash
# Stand-in for docker.io/library/golang:1.22-alpine(3.20). The real image (docker-library/golang
# 1.22/alpine3.20/Dockerfile) is alpine:3.20 + `apk add ca-certificates` + the Go tarball at /usr/local/go. Here: the
# alpine stand-in (CA bundle baked in, no zoneinfo, as real alpine) + the golang stand-in's /usr/local/go (Debian's Go
# 1.22.12, statically linked so it runs on musl; with lib/time/zoneinfo.zip, the only time zone data of the real image)
# and the /usr/share/go-1.22 its src links point to. Like the real image: no gcc => cgo off by default.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
g=$(buildah from --pull=never docker.io/library/golang:1.22); gm=$(buildah mount $g)
c=$(buildah from --pull=never docker.io/library/alpine:3.20); m=$(buildah mount $c)
mkdir -p $m/usr/local $m/usr/share $m/go/src $m/go/bin; chmod -R 1777 $m/go
cp -a $gm/usr/local/go $m/usr/local/; cp -a $gm/usr/share/go-1.22 $m/usr/share/
buildah umount $g >/dev/null; buildah rm $g >/dev/null; buildah umount $c >/dev/null
buildah config --env GOLANG_VERSION=1.22.12 --env GOTOOLCHAIN=local --env GOPATH=/go \
  --env PATH=/go/bin:/usr/local/go/bin:$STD_PATH --workingdir /go --cmd '["/bin/sh"]' $c
buildah run $c -- sh -c 'go version && go env CGO_ENABLED && test "$(go env GOROOT)" = /usr/local/go && test ! -e /usr/share/zoneinfo'
buildah commit -q --rm $c docker.io/library/golang:1.22-alpine >/dev/null
buildah images | grep 'golang.*alpine' || true
