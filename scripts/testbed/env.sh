# Source me: point buildah (and podman, which shares the store) at dockslim's isolated testbed store
# (vfs storage, chroot isolation, no daemon).
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
# podman: runc (crun refuses this machine's hybrid cgroup layout) and resource limits no higher than this
# process's own (podman raises them to 1048576 by default, which needs CAP_SYS_RESOURCE).
export CONTAINERS_CONF=$TB/containers.conf
_nofile=$(ulimit -Hn); _nproc=$(ulimit -Hu)
case $_nofile in unlimited|'') _nofile=1048576 ;; esac
case $_nproc in unlimited|'') _nproc=32768 ;; esac
[ "$_nproc" -gt 32768 ] && _nproc=32768
printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n[engine]\nruntime = "runc"\n' \
  "$_nofile" "$_nofile" "$_nproc" "$_nproc" > "$CONTAINERS_CONF.$$" && mv -f "$CONTAINERS_CONF.$$" "$CONTAINERS_CONF"
unset _nofile _nproc
