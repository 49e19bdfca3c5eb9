#!/bin/bash
# run-image.sh IMAGE [ARGS...]: run an image once like `docker run --rm IMAGE [ARGS...]`:
# ENTRYPOINT + (ARGS, or CMD when no ARGS), honouring the image's USER/WORKDIR/ENV (buildah run applies the image
# config except entrypoint/cmd). Stdin is /dev/null. The container is always removed.
# RUN_TIMEOUT (seconds, default 60): the run is killed after that; exit code 124 as with timeout(1).
. "$(dirname "$(readlink -f "$0")")/env.sh"
img=${1:?usage: run-image.sh IMAGE [ARGS...]}; shift
c=$(buildah from --pull=never -q "$img") || exit 125
trap 'buildah rm "$c" >/dev/null 2>&1' EXIT
mapfile -t argv < <(buildah inspect --type image "$img" | python3 -c '
import json, sys
c = json.load(sys.stdin)["OCIv1"].get("config") or {}
ep, cmd = c.get("Entrypoint") or [], c.get("Cmd") or []
args = sys.argv[1:]
for a in ep + (args if args else cmd): print(a)' "$@")
[ ${#argv[@]} -gt 0 ] || { echo "run-image.sh: $img has no ENTRYPOINT or CMD and no command was given" >&2; exit 125; }
timeout --kill-after=5 "${RUN_TIMEOUT:-60}" buildah run "$c" -- "${argv[@]}" </dev/null; rc=$?
exit $rc
