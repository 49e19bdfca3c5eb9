#!/bin/bash
# scripts/testbed.sh: local stand-ins for the public base images that dockslim's rewrites use (golang, rust, node,
# debian-slim, distroless, alpine), built offline from Debian packages and this machine's own Rust/Node toolchains,
# under their real names, in an isolated buildah store, so that `buildah bud --pull=never` builds unmodified
# Dockerfiles with no image registry and no Docker daemon.
#
#   scripts/testbed.sh               install buildah & co. if missing, then load/build every missing stand-in
#   scripts/testbed.sh --save DIR    save every stand-in into one OCI layout dir (default $DOCKSLIM_TB/oci)
#   scripts/testbed.sh --load DIR    load stand-ins from such a dir (then build whatever is still missing)
#   scripts/testbed.sh --list        list the images of the store
#   . scripts/testbed/env.sh         use buildah against the same store afterwards
#   scripts/testbed/run-image.sh IMG run IMG like `docker run --rm IMG` (RUN_TIMEOUT seconds, default 60)
#
# Store: $DOCKSLIM_TB (default /var/tmp/dockslim-testbed; vfs driver, ~3 GB). Idempotent: present images are kept.
# If images are missing and $DOCKSLIM_TB/oci/TAGS exists, they are loaded from that cache instead of being rebuilt.
# The Rust stand-in is tagged rust:1.82 but holds the host's stable toolchain; the alpine stand-in is Debian's
# busybox-static + musl with no apk repository. See scripts/testbed/NN-*.sh for how each one is made, and
# scripts/testbed-audit.sh for what each one holds compared with the real image.
# Opt-in: TESTBED_OPTIN="55-node-alpine" also builds node:20-alpine (musl Node 20 from PyPI; not in the default run).
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)/testbed
. "$HERE/env.sh"
CACHE=$TB/oci

log() { echo "[testbed $(date +%T)] $*" >&2; }
now() { date +%s; }
T_START=$(now)

# --- host requirements ---------------------------------------------------------------------------------------------
install_deps() {
  local need=() p
  command -v buildah >/dev/null || need+=(buildah)
  command -v podman >/dev/null || need+=(podman)   # verify's podman path (same store, see env.sh)
  command -v runc >/dev/null || need+=(runc)       # podman's OCI runtime here (env.sh)
  command -v dockerd >/dev/null || need+=(docker.io) # verify's docker path (testbed/docker.sh)
  command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
  for p in busybox-static musl; do dpkg -s $p >/dev/null 2>&1 || need+=($p); done
  command -v python3 >/dev/null || need+=(python3)
  command -v timeout >/dev/null || need+=(coreutils)
  if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { log "need root to install: ${need[*]}"; exit 1; }
    log "installing ${need[*]}"
    local t=$(now)
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    log "apt-get install: $(( $(now) - t )) s"
  fi
}
check_toolchains() { # only needed when building (not when loading from a cache)
  local ok=1
  [ -x /usr/bin/node ] && [ -d /usr/lib/node_modules/npm ] || { log "missing: Node 20 at /usr/bin/node with npm in /usr/lib/node_modules (node stand-ins)"; ok=0; }
  [ -d /root/.rustup/toolchains ] && ls -d /root/.rustup/toolchains/stable-* >/dev/null 2>&1 || { log "missing: rustup stable toolchain in /root/.rustup (rust stand-in)"; ok=0; }
  [ $ok = 1 ] || exit 1
}

# --- images ----------------------------------------------------------------------------------------------------------
# script:version:the image it makes last. A step is done when that image exists and carries the stamp tag
# localhost/dockslim-testbed/stamp:SCRIPT-vVERSION; bump VERSION when a script changes so stores get rebuilt.
STEPS=(
  "10-debian-slim:1:docker.io/library/debian:bookworm-slim"
  "20-distroless:1:gcr.io/distroless/cc:nonroot"
  "60-alpine:2:docker.io/library/alpine:3.20"
  "30-golang:3:docker.io/library/golang:1.22"
  "35-golang-alpine:3:docker.io/library/golang:1.22-alpine"
  "40-rust:2:docker.io/library/rust:1.82"
  "50-node:2:docker.io/library/node:20"
)
# Opt-in steps, built only when named in TESTBED_OPTIN (space- or comma-separated), e.g.
# `TESTBED_OPTIN=55-node-alpine scripts/testbed.sh`: the default run (scripts/test.sh, CI) never builds them.
OPTIN_STEPS=(
  "55-node-alpine:1:docker.io/library/node:20-alpine"
)
TESTBED_OPTIN=${TESTBED_OPTIN:-}; TESTBED_OPTIN=${TESTBED_OPTIN//,/ }
for s in "${OPTIN_STEPS[@]}"; do
  case " $TESTBED_OPTIN " in *" ${s%%:*} "*) STEPS+=("$s") ;; esac
done
STAMP=localhost/dockslim-testbed/stamp
# SOURCE ALIAS... : extra names for a stand-in (rewrites pick e.g. alpine:X.Y from golang:*-alpineX.Y). The tags
# of other versions (golang:latest, golang:1.16-alpine, rust:1.59.0, ...) name the same toolchain (Go 1.22.12, the
# host's stable Rust), so the real-project scoreboard can build them; a project that needs another version fails
# to build, and the scoreboard says so (corpus-real.sh names "go.mod needs Go >= X"). The builder stand-ins are all
# bookworm, so the runtimes a rewrite of a bullseye or trixie tag picks (distroless *-debian11/13, debian:*-slim)
# stand in as their bookworm images too: the pair stays consistent, as the real pair is.
ALIASES=(
  "gcr.io/distroless/static-debian12:latest gcr.io/distroless/static-debian11:latest gcr.io/distroless/static-debian13:latest"
  "gcr.io/distroless/static-debian12:nonroot gcr.io/distroless/static-debian11:nonroot gcr.io/distroless/static-debian13:nonroot"
  "gcr.io/distroless/base-debian12:latest gcr.io/distroless/base-debian11:latest gcr.io/distroless/base-debian13:latest"
  "gcr.io/distroless/base-debian12:nonroot gcr.io/distroless/base-debian11:nonroot gcr.io/distroless/base-debian13:nonroot"
  "gcr.io/distroless/base-nossl-debian12:latest gcr.io/distroless/base-nossl-debian11:latest gcr.io/distroless/base-nossl-debian13:latest"
  "gcr.io/distroless/base-nossl-debian12:nonroot gcr.io/distroless/base-nossl-debian11:nonroot gcr.io/distroless/base-nossl-debian13:nonroot"
  "gcr.io/distroless/cc-debian12:latest gcr.io/distroless/cc-debian11:latest gcr.io/distroless/cc-debian13:latest"
  "gcr.io/distroless/cc-debian12:nonroot gcr.io/distroless/cc-debian11:nonroot gcr.io/distroless/cc-debian13:nonroot"
  "docker.io/library/debian:bookworm-slim docker.io/library/debian:12-slim docker.io/library/debian:stable-slim docker.io/library/debian:trixie-slim docker.io/library/debian:bullseye-slim"
  "docker.io/library/alpine:3.20 docker.io/library/alpine:3 docker.io/library/alpine:latest docker.io/library/alpine:3.19 docker.io/library/alpine:3.18 docker.io/library/alpine:3.17 docker.io/library/alpine:3.21 docker.io/library/alpine:3.11"
  "docker.io/library/golang:1.22 docker.io/library/golang:1.22-bookworm docker.io/library/golang:1.22.12 docker.io/library/golang:1.22.12-bookworm docker.io/library/golang:1.21 docker.io/library/golang:1.21-bookworm docker.io/library/golang:1.23 docker.io/library/golang:1.23-bookworm docker.io/library/golang:latest docker.io/library/golang:1 docker.io/library/golang:1.24.1 docker.io/library/golang:1.21.5 docker.io/library/golang:1.21.1 docker.io/library/golang:1.21.0-bookworm"
  "docker.io/library/golang:1.22-alpine docker.io/library/golang:1.22-alpine3.20 docker.io/library/golang:1.22.12-alpine docker.io/library/golang:alpine docker.io/library/golang:1.23-alpine docker.io/library/golang:1.23-alpine3.21 docker.io/library/golang:1.22.8-alpine3.20 docker.io/library/golang:1.21.5-alpine3.18 docker.io/library/golang:1.21.1-alpine3.18 docker.io/library/golang:1.20-alpine docker.io/library/golang:1.16-alpine docker.io/library/golang:1.11-alpine docker.io/library/golang:alpine3.11"
  "docker.io/library/rust:1.82 docker.io/library/rust:1.82-bookworm docker.io/library/rust:1.82.0 docker.io/library/rust:1 docker.io/library/rust:latest docker.io/library/rust:1.79.0 docker.io/library/rust:1.75.0 docker.io/library/rust:1.59.0"
  "docker.io/library/rust:1.82-slim docker.io/library/rust:1.82-slim-bookworm docker.io/library/rust:1.82.0-slim docker.io/library/rust:slim docker.io/library/rust:1-slim"
  "docker.io/library/node:20 docker.io/library/node:20-bookworm"
  "docker.io/library/node:20-slim docker.io/library/node:20-bookworm-slim"
  "docker.io/library/node:20-alpine docker.io/library/node:20-alpine3.20 docker.io/library/node:20.18.0-alpine docker.io/library/node:20.18.0-alpine3.20"
)
present() { buildah images --format '{{.Name}}:{{.Tag}}' 2>/dev/null | grep -vx '<none>:<none>' | sort -u; }
has() { present | grep -qxF "$1"; }
step_name() { echo "${1%%:*}"; }
step_stamp() { local r=${1#*:}; echo "$STAMP:${1%%:*}-v${r%%:*}"; }
step_image() { local r=${1#*:}; echo "${r#*:}"; }
missing_steps() {
  local s have; have=$(present)
  for s in "${STEPS[@]}"; do
    grep -qxF "$(step_image "$s")" <<<"$have" && grep -qxF "$(step_stamp "$s")" <<<"$have" || step_name "$s"
  done; }
stamp_step() { local s; for s in "${STEPS[@]}"; do [ "$(step_name "$s")" = "$1" ] && buildah tag "$(step_image "$s")" "$(step_stamp "$s")"; done; return 0; }

apply_aliases() { # tag each alias missing, or naming another image than its source (after a rebuild)
  local line src a ids; ids=$(buildah images --format '{{.Name}}:{{.Tag}} {{.ID}}' 2>/dev/null)
  id_of() { awk -v n="$1" '$1==n {print $2; exit}' <<<"$ids"; }
  for line in "${ALIASES[@]}"; do
    set -- $line; src=$1; shift
    [ -n "$(id_of "$src")" ] || continue
    for a; do [ "$(id_of "$a")" = "$(id_of "$src")" ] || buildah tag "$src" "$a"; done
  done
}

save_cache() { # one OCI layout, blobs shared; TAGS maps image IDs to every tag
  local d=$1 flag="" t=$(now) id ref
  mkdir -p "$d"; [ "${COMPRESS:-1}" = 0 ] && flag="--disable-compression"
  buildah images --format '{{.ID}} {{.Name}}:{{.Tag}}' | grep -v -e '<none>' | { grep -v ' localhost/' || true; } > "$d/TAGS.new"
  buildah images --format '{{.ID}} {{.Name}}:{{.Tag}}' | { grep " $STAMP:" || true; } >> "$d/TAGS.new"
  sort -k1,1 -u "$d/TAGS.new" | while read -r id ref; do
    buildah push -q $flag "$ref" "oci:$d:$id" >/dev/null && log "saved $ref ($id)"
  done
  mv "$d/TAGS.new" "$d/TAGS"
  log "save: $(( $(now) - t )) s, $(du -sh "$d" | cut -f1) in $d"
}

load_cache() {
  local d=$1 t=$(now) id new have
  [ -f "$d/TAGS" ] || { log "no cache at $d (no TAGS file)"; return 1; }
  have=$(present)
  for id in $(awk '{print $1}' "$d/TAGS" | sort -u); do
    # skip an image whose tags are all present already
    if awk -v id="$id" '$1==id {print $2}' "$d/TAGS" | while read -r r; do grep -qxF "$r" <<<"$have" || exit 1; done; then continue; fi
    new=$(buildah pull -q "oci:$d:$id")
    buildah tag "$new" $(awk -v id="$id" '$1==id {print $2}' "$d/TAGS")
    log "loaded $(awk -v id="$id" '$1==id {print $2; exit}' "$d/TAGS")"
  done
  log "load: $(( $(now) - t )) s from $d"
}

run_step() { # run one NN-*.sh, log to $TB/logs, remove its leftover containers on failure
  local s=$1 t=$(now) before after c
  mkdir -p "$TB/logs"
  before=$(buildah containers -q 2>/dev/null | sort)
  if bash "$HERE/$s.sh" > "$TB/logs/$s.log" 2>&1; then
    stamp_step "$s"
    log "$s: $(( $(now) - t )) s"
  else
    log "$s FAILED after $(( $(now) - t )) s; last lines of $TB/logs/$s.log:"
    tail -n 25 "$TB/logs/$s.log" >&2
    after=$(buildah containers -q 2>/dev/null | sort)
    for c in $(comm -13 <(echo "$before") <(echo "$after")); do buildah rm "$c" >/dev/null 2>&1 || true; done
    exit 1
  fi
}

list() { buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep -v -e '^localhost/' -e '<none>' | sort; buildah images --format '{{.Name}}:{{.Tag}}' | { grep "^$STAMP:" || true; } | sort; }

case "${1:-}" in
  --save) install_deps; save_cache "${2:-$CACHE}"; exit ;;
  --load) install_deps; load_cache "${2:-$CACHE}"; apply_aliases ;;
  --list) list; exit ;;
  -h|--help) sed -n '2,19p' "$0"; exit ;;
  "") install_deps ;;
  *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
esac

todo=$(missing_steps)
if [ -n "$todo" ] && [ -f "$CACHE/TAGS" ] && [ "${1:-}" != --load ]; then
  log "images missing; loading from the cache $CACHE"
  load_cache "$CACHE" || true
  todo=$(missing_steps)
fi
if [ -n "$todo" ]; then
  check_toolchains
  log "building: $(echo $todo)"
  for s in $todo; do
    # a step's inputs may have been built by an earlier step of this run; re-check it is still missing
    if grep -qxF "$s" <<<"$(missing_steps)"; then run_step "$s"; fi
  done
  apply_aliases
  # drop images left untagged by a rebuild (only <none> ones: never a named image)
  buildah rmi --prune >/dev/null 2>&1 || true
  # keep the default cache in step with the store
  if [ -f "$CACHE/TAGS" ]; then log "refreshing the cache $CACHE"; rm -rf "$CACHE"; save_cache "$CACHE"; fi
fi
apply_aliases
log "testbed ready in $(( $(now) - T_START )) s; store $TB ($(du -sh "$TB/storage" 2>/dev/null | cut -f1))"
[ -n "${QUIET:-}" ] || list
