#!/bin/bash
# docker.sh start|load IMAGE...|stop: a private Docker daemon (Debian's docker.io) for the docker path of
# `dockslim verify`, its data under $DOCKSLIM_TB/docker and its socket at $DOCKSLIM_TB/docker/docker.sock.
#   start         start dockerd unless it answers already (needs root; exit 1 with its log when it cannot start)
#   load IMAGE... copy images from the buildah store into it (those it has already are kept)
#   stop          stop the daemon started here
# Then: export DOCKER_HOST=unix://$DOCKSLIM_TB/docker/docker.sock (printed by `start`).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/env.sh"
D=$TB/docker
export DOCKER_HOST=unix://$D/docker.sock
log() { echo "[docker.sh $(date +%T)] $*" >&2; }
up() { timeout 20 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }
case "${1:-}" in
  start)
    mkdir -p "$D"
    if ! up; then
      command -v dockerd >/dev/null || { log "no dockerd (apt-get install docker.io)"; exit 1; }
      setsid dockerd --data-root "$D/root" --exec-root "$D/exec" --pidfile "$D/dockerd.pid" -H "$DOCKER_HOST" \
        > "$D/dockerd.log" 2>&1 < /dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &  # no inherited fds: a held build lock would never be released
      for _ in $(seq 60); do up && break; sleep 0.5; done
      up || { log "dockerd did not start; last lines of $D/dockerd.log:"; tail -n 20 "$D/dockerd.log" >&2; exit 1; }
      log "dockerd $(docker info --format '{{.ServerVersion}}') answers at $DOCKER_HOST"
    fi
    echo "export DOCKER_HOST=$DOCKER_HOST" ;;
  load)
    shift
    for img; do
      docker image inspect "$img" >/dev/null 2>&1 && continue
      buildah push -q "$img" "docker-archive:$D/load.tar:$img" >/dev/null
      docker load -q -i "$D/load.tar" >/dev/null && log "loaded $img"
      rm -f "$D/load.tar"
    done ;;
  stop)
    if [ -f "$D/dockerd.pid" ]; then kill "$(cat "$D/dockerd.pid")" 2>/dev/null || true
      for _ in $(seq 40); do [ -f "$D/dockerd.pid" ] || break; sleep 0.5; done
    fi ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
