# Common helpers, sourced by the stand-in scripts NN-*.sh (after env.sh).
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/env.sh"
# Debian mirror and suites, read from this host's own apt configuration (never hard-coded).
DEB_URI=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$DEB_URI" ] || DEB_URI=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$DEB_URI" ] || { echo "cannot find the Debian mirror in /etc/apt (debian.sources or sources.list)" >&2; exit 1; }
DEB_SEC_URI=$(awk '/^URIs:/ && $2 ~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$DEB_SEC_URI" ] || DEB_SEC_URI=$(awk '$1=="deb" && $0 ~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
DEB_SUITES=("deb $DEB_URI bookworm main" "deb $DEB_URI bookworm-updates main")
[ -n "$DEB_SEC_URI" ] && DEB_SUITES+=("deb $DEB_SEC_URI bookworm-security main")
# The host's apt sources as a deb822 file (copied into the debian stand-in so `apt-get install` in a Dockerfile works).
host_debian_sources() {
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then grep -v '^#' /etc/apt/sources.list.d/debian.sources
  else
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$DEB_URI"
    [ -n "$DEB_SEC_URI" ] && printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$DEB_SEC_URI"
  fi; }
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
log() { echo "[$(date +%T)] $*" >&2; }
# tag_all SRC TAG...: add tags (full names) to an existing image
tag_all() { local src=$1; shift; [ $# -eq 0 ] || buildah tag "$src" "$@"; }
