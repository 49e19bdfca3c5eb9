#!/bin/bash
# Stand-in for docker.io/library/golang:1.22-alpine(3.20): the alpine stand-in + Debian's Go 1.22.12 toolchain
# (its go/compile/link binaries are statically linked, so they run on musl). Like the real image: no gcc => cgo off by default.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
g=$(buildah from --pull=never docker.io/library/golang:1.22); gm=$(buildah mount $g)
c=$(buildah from --pull=never docker.io/library/alpine:3.20); m=$(buildah mount $c)
mkdir -p $m/usr/lib $m/usr/share $m/go/src $m/go/bin; chmod -R 1777 $m/go
cp -a $gm/usr/lib/go-1.22 $m/usr/lib/; cp -a $gm/usr/share/go-1.22 $m/usr/share/; mkdir -p $m/usr/local; ln -s ../lib/go-1.22 $m/usr/local/go   # relative: see 30-golang.sh
buildah umount $g >/dev/null; buildah rm $g >/dev/null; buildah umount $c >/dev/null
buildah config --env GOLANG_VERSION=1.22.12 --env GOTOOLCHAIN=local --env GOPATH=/go \
  --env PATH=/go/bin:/usr/local/go/bin:$STD_PATH --workingdir /go --cmd '["/bin/sh"]' $c
buildah run $c -- sh -c 'go version && go env CGO_ENABLED'
buildah commit -q --rm $c docker.io/library/golang:1.22-alpine >/dev/null
buildah images | grep 'golang.*alpine' || true
