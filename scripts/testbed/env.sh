# Source me: point buildah at dockslim's isolated testbed store (vfs storage, chroot isolation, no daemon).
#   . scripts/testbed/env.sh      # then: buildah images, buildah bud --pull=never ...
# DOCKSLIM_TB overrides the store location (default /var/tmp/dockslim-testbed).
export DOCKSLIM_TB=${DOCKSLIM_TB:-/var/tmp/dockslim-testbed}
export TB=$DOCKSLIM_TB
export CONTAINERS_STORAGE_CONF=$TB/storage.conf
export STORAGE_DRIVER=vfs
export BUILDAH_ISOLATION=chroot
if [ ! -f "$CONTAINERS_STORAGE_CONF" ]; then
  mkdir -p "$TB"
  printf '[storage]\ndriver = "vfs"\nrunroot = "%s/runroot"\ngraphroot = "%s/storage"\n' "$TB" "$TB" > "$CONTAINERS_STORAGE_CONF"
fi
