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

# The apt package sets of docker-library/buildpack-deps for bookworm (debian/bookworm/curl, scm and the full
# debian/bookworm Dockerfile): golang:1.22 is buildpack-deps:bookworm-scm (CURL + SCM), rust:1.82 and node:20 are
# buildpack-deps:bookworm (CURL + SCM + FULL). Installed with --no-install-recommends, as upstream does.
BPD_CURL="ca-certificates curl gnupg netbase sq wget"
BPD_SCM="git mercurial openssh-client subversion procps"
BPD_FULL="autoconf automake bzip2 dpkg-dev file g++ gcc imagemagick libbz2-dev libc6-dev libcurl4-openssl-dev libdb-dev
  libevent-dev libffi-dev libgdbm-dev libglib2.0-dev libgmp-dev libjpeg-dev libkrb5-dev liblzma-dev libmagickcore-dev
  libmagickwand-dev libmaxminddb-dev libncurses5-dev libncursesw5-dev libpng-dev libpq-dev libreadline-dev libsqlite3-dev
  libssl-dev libtool libwebp-dev libxml2-dev libxslt-dev libyaml-dev make patch unzip xz-utils zlib1g-dev
  default-libmysqlclient-dev"
# apt_install CONTAINER PKG...: install Debian packages in a working container, without recommends, lists removed after.
apt_install() {
  local c=$1; shift
  buildah run "$c" -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null &&
    rm -rf /var/lib/apt/lists/*' sh "$@"
}
# go_zoneinfo_zip ZONEINFO_DIR OUT.zip: $GOROOT/lib/time/zoneinfo.zip as the Go distribution ships it (every TZif zone
# file by its name, stored uncompressed, which is the only form package time reads), made from a zoneinfo directory
# (Debian's tzdata): the toolchain here is Debian's, whose golang package does not ship that file.
go_zoneinfo_zip() {
  python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
names = []
for d, dirs, files in os.walk(src):
    rel = os.path.relpath(d, src)
    if rel == ".":
        dirs[:] = [x for x in dirs if x not in ("posix", "right")]
    for f in files:
        p = os.path.join(d, f)
        if os.path.islink(p) and os.path.isabs(os.readlink(p)):
            continue  # e.g. localtime -> /etc/localtime: not a zone, and outside the tree
        with open(p, "rb") as fh:
            if fh.read(4) == b"TZif":
                names.append(os.path.normpath(os.path.join(rel, f)))
names.sort()
if "US/Eastern" not in names or "Europe/Berlin" not in names:
    sys.exit("go_zoneinfo_zip: %s lacks US/Eastern or Europe/Berlin" % src)
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
    for n in names:
        info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
        with open(os.path.join(src, n), "rb") as fh:
            z.writestr(info, fh.read(), zipfile.ZIP_STORED)
print("go_zoneinfo_zip: %d zones -> %s" % (len(names), out))
PY
}

# node_entrypoint FILE: docker-node's docker-entrypoint.sh (the same in its bookworm and alpine images), mode 755.
node_entrypoint() {
  cat > "$1" <<'E'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
E
  chmod 755 "$1"
}
