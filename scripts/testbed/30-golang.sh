#!/bin/bash
# Stand-in for docker.io/library/golang:1.22 (bookworm): debian slim stand-in + the apt set of buildpack-deps:bookworm-scm
# (minus mercurial/subversion/sq) + golang's gcc/g++/libc6-dev/make/pkg-config, Go 1.22.12 from bookworm-backports
# (golang-1.22-go, same upstream version as the last golang:1.22 image) at /usr/local/go -> ../lib/go-1.22
# (a relative link: buildah run looks a bare command such as `go` up outside the chroot, where an absolute one breaks).
. "$(dirname "$(readlink -f "$0")")/lib.sh"
c=$(buildah from --pull=never docker.io/library/debian:bookworm-slim)
buildah run $c -- sh -c 'echo "deb '"$DEB_URI"' bookworm-backports main" > /etc/apt/sources.list.d/backports.list &&
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
   ca-certificates curl wget gnupg netbase git openssh-client procps g++ gcc libc6-dev make pkg-config golang-1.22-go >/dev/null &&
  rm -f /etc/apt/sources.list.d/backports.list && rm -rf /var/lib/apt/lists/* &&
  ln -s ../lib/go-1.22 /usr/local/go && mkdir -p /go/src /go/bin && chmod -R 1777 /go && /usr/local/go/bin/go version'
buildah config --env GOLANG_VERSION=1.22.12 --env GOTOOLCHAIN=local --env GOPATH=/go \
  --env PATH=/go/bin:/usr/local/go/bin:$STD_PATH --workingdir /go --cmd '["bash"]' $c
buildah commit -q --rm $c docker.io/library/golang:1.22 >/dev/null
buildah images | grep library/golang || true
