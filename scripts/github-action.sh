#!/usr/bin/env bash
# The check step of the GitHub Action (action.yml): `dockslim split --check --format github`
# on the paths given in INPUT_PATHS (whitespace-separated), or on every Dockerfile,
# Containerfile, *.Dockerfile and *.dockerfile git tracks. INPUT_ARGS adds options (e.g.
# --strict); DOCKSLIM names the binary (default: dockslim on PATH). The exit code is
# dockslim's: 1 when a file would be rewritten, 2 on errors, 3 with --strict.
set -euo pipefail
dockslim=${DOCKSLIM:-dockslim}
read -r -a args <<<"${INPUT_ARGS:-}"
if [ -n "${INPUT_PATHS:-}" ]; then
  read -r -a paths <<<"$INPUT_PATHS"
else
  mapfile -d '' -t paths < <(git ls-files -z -- \
    ':(glob)**/Dockerfile' ':(glob)**/Containerfile' ':(glob)**/*.Dockerfile' ':(glob)**/*.dockerfile')
fi
if [ "${#paths[@]}" -eq 0 ]; then
  echo "dockslim: no Dockerfile found"
  exit 0
fi
exec "$dockslim" split --check --format github "${args[@]}" -- "${paths[@]}"
