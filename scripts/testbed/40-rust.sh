#!/bin/bash
# Stand-in for docker.io/library/rust:1.82 (bookworm). Layout like the official image:
# RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:...
# MODE=copy: copy the host's rustup + stable toolchain (NOT 1.82: whatever the host has), docs excluded.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
MODE=copy
c=$(buildah from --pull=never docker.io/library/debian:bookworm-slim)
buildah run $c -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
   ca-certificates curl wget git gcc libc6-dev make pkg-config libssl-dev >/dev/null && rm -rf /var/lib/apt/lists/*'
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
buildah umount $c >/dev/null
buildah config --env RUSTUP_HOME=/usr/local/rustup --env CARGO_HOME=/usr/local/cargo --env PATH=/usr/local/cargo/bin:$STD_PATH \
  --env RUST_VERSION=$ver --cmd '["bash"]' $c
buildah run $c -- sh -c 'rustc --version && cargo --version'
buildah commit -q --rm $c docker.io/library/rust:1.82 >/dev/null
buildah images | grep library/rust || true
