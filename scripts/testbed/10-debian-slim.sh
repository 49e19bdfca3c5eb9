#!/bin/bash
# Stand-in for docker.io/library/debian:bookworm-slim: mmdebstrap minbase, merged-usr via hook (no usrmerge/perl pkgs),
# slim dpkg excludes kept in /etc/dpkg/dpkg.cfg.d/docker, debuerreotype's docker-* apt configs (docker-clean etc.),
# deb822 debian.sources. The host's extra CA certificates (if any) go to /usr/local/share/ca-certificates so that a Dockerfile's
# `apt-get install ca-certificates` trusts the same TLS roots as the host (real image: that dir is empty).
. "$(dirname "$(readlink -f "$0")")/lib.sh"
W=$TB/work/debian; mkdir -p $W
cat > $W/docker-slim.cfg <<'C'
path-exclude /usr/share/doc/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
path-include /usr/share/doc/*/copyright
path-include /usr/share/locale/locale.alias
C
host_debian_sources > $W/debian.sources   # the host's own mirror
DPKGOPTS=(); while read -r k v; do DPKGOPTS+=(--dpkgopt="$k=$v"); done < $W/docker-slim.cfg   # honoured during extract too
# debuerreotype's docker-* apt/dpkg configs, as in the real image (written here, not taken from the host)
mkdir -p $W/apt.conf.d
cat > $W/apt.conf.d/docker-clean <<'A'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
A
echo 'Acquire::GzipIndexes "true";' > $W/apt.conf.d/docker-gzip-indexes
echo 'Acquire::Languages "none";' > $W/apt.conf.d/docker-no-languages
echo 'Apt::AutoRemove::SuggestsImportant "false";' > $W/apt.conf.d/docker-autoremove-suggests
echo 'force-unsafe-io' > $W/docker-apt-speedup
mmdebstrap --variant=minbase --mode=root --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr "${DPKGOPTS[@]}" \
  --setup-hook="mkdir -p \"\$1/etc/dpkg/dpkg.cfg.d\" && cp $W/docker-slim.cfg \"\$1/etc/dpkg/dpkg.cfg.d/docker\"" \
  --customize-hook='rm -f "$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap" "$1/etc/apt/apt.conf.d/99mmdebstrap" "$1/etc/apt/sources.list"' \
  --customize-hook="cp $W/debian.sources \"\$1/etc/apt/sources.list.d/debian.sources\"" \
  --customize-hook="cp $W/apt.conf.d/* \"\$1/etc/apt/apt.conf.d/\"; cp $W/docker-apt-speedup \"\$1/etc/dpkg/dpkg.cfg.d/\"" \
  --customize-hook='mkdir -p "$1/usr/local/share/ca-certificates" && for f in /usr/local/share/ca-certificates/*.crt; do [ -f "$f" ] && cp "$f" "$1/usr/local/share/ca-certificates/"; done; true' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/apt/* "$1"/var/log/dpkg.log' \
  bookworm $W/debian-slim.tar "${DEB_SUITES[@]}" > $W/mmdebstrap.log 2>&1
c=$(buildah from scratch); buildah add -q $c $W/debian-slim.tar / >/dev/null
buildah config --os linux --arch amd64 --env PATH=$STD_PATH --cmd '["bash"]' $c
buildah commit -q --rm $c docker.io/library/debian:bookworm-slim >/dev/null
rm -f $W/debian-slim.tar
buildah images | grep library/debian || true
