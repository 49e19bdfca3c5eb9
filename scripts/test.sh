#!/usr/bin/env bash
# The whole test suite, as CI runs it: format, lint, unit + snapshot + CLI + property tests,
# the pre-commit hook through the real pre-commit, `cargo publish --dry-run`, then the
# end-to-end suite: `dockslim verify` with buildah, podman and (when a Docker daemon can
# start here) docker, and every example's original and rewritten image built and run or served
# with buildah (installing buildah, podman and docker.io and building the stand-in base images
# first, if missing).
# The stand-ins are checked against what the real images hold (scripts/testbed-audit.sh). The
# image steps build and run containers: on a shared machine, under the build lock
# (flock /var/tmp/dockslim-build.lock ...).
#
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --no-e2e   skip the image builds (a quick local loop)
#   bash scripts/test.sh --e2e-only only the image builds (after a --no-e2e run of the same tree)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
e2e=1 quick=1
case "${1:-}" in
  --no-e2e) e2e=0 ;;
  --e2e-only) quick=0 ;;
  "") ;;
  *) echo "usage: bash scripts/test.sh [--no-e2e | --e2e-only]" >&2; exit 2 ;;
esac
step() { printf '\n== %s\n' "$*"; }

if [ $quick = 1 ]; then
  step "cargo fmt --check"
  cargo fmt --all -- --check
  step "cargo clippy"
  cargo clippy --all-targets -- -D warnings
  step "cargo test"
  cargo test --all-targets
  cargo test --doc
  step "pre-commit end to end (pre-commit from PyPI in target/tools-venv)"
  venv=target/tools-venv
  if ! "$venv/bin/pre-commit" --version >/dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'pre-commit>=4,<5'
  fi
  PRE_COMMIT="$PWD/$venv/bin/pre-commit" cargo test --test precommit -- --ignored
  step "cargo publish --dry-run"
  cargo publish --dry-run --locked --allow-dirty
fi
if [ $e2e = 1 ]; then
  step "release build"
  cargo build --release
  step "stand-in base images (scripts/testbed.sh)"
  bash scripts/testbed.sh
  step "stand-ins against the real images (scripts/testbed-audit.sh)"
  bash scripts/testbed-audit.sh
  step "a private Docker daemon for verify's docker path (scripts/testbed/docker.sh)"
  docker_e2e=0
  if out=$(bash scripts/testbed/docker.sh start) && eval "$out" \
    && bash scripts/testbed/docker.sh load docker.io/library/alpine:3.20; then
    docker_e2e=1
    trap 'bash scripts/testbed/docker.sh stop' EXIT
  else
    echo "no Docker daemon: the docker path of dockslim verify is covered by its unit tests only"
  fi
  step "dockslim verify with buildah, podman and docker (tests/verify.rs)"
  DOCKSLIM_E2E=1 DOCKSLIM_E2E_DOCKER=$docker_e2e cargo test --release --test verify -- --nocapture
  step "end-to-end: build and run or serve every example (scripts/e2e.sh)"
  DOCKSLIM=target/release/dockslim bash scripts/e2e.sh
fi
