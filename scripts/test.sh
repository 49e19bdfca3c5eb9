#!/usr/bin/env bash
# The whole test suite, as CI runs it: format, lint, unit + snapshot + CLI + property tests,
# then the end-to-end suite that builds every example's original and rewritten image with
# buildah (installing buildah and building the stand-in base images first, if missing, and checking them against
# what the real images hold, scripts/testbed-audit.sh). The image steps build and run containers: on a shared machine,
# under the build lock (flock /var/tmp/dockslim-build.lock ...).
#
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --no-e2e   skip the image builds (a quick local loop)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
e2e=1
[ "${1:-}" = "--no-e2e" ] && e2e=0
step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --all-targets -- -D warnings
step "cargo test"
cargo test --all-targets
cargo test --doc
if [ $e2e = 1 ]; then
  step "release build"
  cargo build --release
  step "stand-in base images (scripts/testbed.sh)"
  bash scripts/testbed.sh
  step "stand-ins against the real images (scripts/testbed-audit.sh)"
  bash scripts/testbed-audit.sh
  step "dockslim verify against buildah"
  DOCKSLIM_E2E=1 cargo test --release --test verify -- --nocapture
  step "end-to-end: build and run every example (scripts/e2e.sh)"
  DOCKSLIM=target/release/dockslim bash scripts/e2e.sh
fi
