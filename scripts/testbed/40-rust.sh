#!/bin/bash
# Stand-ins for docker.io/library/rust:1.82-slim and rust:1.82 (bookworm). Layout of the official images
# (rust-lang/docker-rust stable/bookworm{,/slim}/Dockerfile): RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo
# PATH=/usr/local/cargo/bin:..., both made world-writable; rust:*-slim is debian:bookworm-slim + ca-certificates gcc
# libc6-dev (wget, used to fetch rustup, is removed again); rust:1.82 is buildpack-deps:bookworm (the full set: CA bundle,
# curl, wget, git, netbase, media-types, the -dev packages of openssl, libpq, sqlite, curl, ...; see lib.sh).
# MODE=copy: copy the host's rustup + stable toolchain (NOT 1.82: whatever the host has), docs excluded.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
MODE=copy
c=$(buildah from --pull=never docker.io/library/debian:bookworm-slim)
apt_install $c ca-certificates gcc libc6-dev
m=$(buildah mount $c); mkdir -p $m/usr/local/rustup/toolchains $m/usr/local/cargo/bin
cp -a /root/.cargo/bin/. $m/usr/local/cargo/bin/          # rustup + its proxies (hardlinks preserved)
if [ $MODE = copy ]; then
  tc=$(basename $(readlink -f /root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu))
  tar -C /root/.rustup/toolchains -cf - --exclude="$tc/share/doc" "$tc" | tar -C $m/usr/local/rustup/toolchains -xf -
  printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\n\n[overrides]\n' "$tc" > $m/usr/local/rustup/settings.toml
  ver=$(/root/.rustup/toolchains/$tc/bin/rustc --version | awk '{print $2}')
else
  ver=1.82.0
fi
chmod -R a+w $m/usr/local/rustup $m/usr/local/cargo
buildah umount $c >/dev/null
buildah config --env RUSTUP_HOME=/usr/local/rustup --env CARGO_HOME=/usr/local/cargo --env PATH=/usr/local/cargo/bin:$STD_PATH \
  --env RUST_VERSION=$ver --cmd '["bash"]' $c
buildah run $c -- sh -c 'rustc --version && cargo --version'
buildah commit -q --rm $c docker.io/library/rust:1.82-slim >/dev/null
c=$(buildah from --pull=never docker.io/library/rust:1.82-slim)
apt_install $c $BPD_CURL $BPD_SCM $BPD_FULL
buildah run $c -- sh -c 'rustc --version && cargo --version'
buildah commit -q --rm $c docker.io/library/rust:1.82 >/dev/null
buildah images | grep library/rust || true
