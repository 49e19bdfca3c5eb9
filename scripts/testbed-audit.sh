#!/bin/bash
# scripts/testbed-audit.sh [IMAGE...]: check the testbed's stand-ins against what the real public images hold.
#
# For every stand-in (or the IMAGEs given, by full name), one line per fact that matters to a program at run time:
# time zone data (/usr/share/zoneinfo, Go's $GOROOT/lib/time/zoneinfo.zip), the CA bundle, git, curl, wget, openssl,
# libssl, libgcc_s, libstdc++, the C library, a shell, /etc/mime.types, /etc/services, which of root/nobody/nonroot/node
# exist, and the image's default user, WORKDIR, PATH and toolchain version; then a few behaviours (the alpine apk shim,
# Go's zoneinfo.zip fallback, node:20-alpine's musl node, npm and yarn). Opt-in stand-ins (node:20-alpine) that are not
# in the store are skipped unless named. The "real" column is the real image's value, taken from its publisher's
# definition (the table with its sources: scripts/testbed/README.md). A fact is `ok` when the stand-in has the real value, `known` when
# it differs in a way listed below with its reason, `FAIL` otherwise. Files are looked at in the image's own root
# (symlinks resolved inside it); nothing is run except the behaviours.
#
# Creates one working container per image: run it under the build lock, after scripts/testbed.sh:
#   flock /var/tmp/dockslim-build.lock bash scripts/testbed-audit.sh
# Output: the lines, then `N facts: X ok, Y known, Z FAIL`; exit 1 on any FAIL or missing image.
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/testbed/env.sh"
exec python3 - "$@" <<'PY'
import fnmatch, json, os, subprocess, sys, zipfile

STD = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
GO_PATH = "/go/bin:/usr/local/go/bin:" + STD
CARGO_PATH = "/usr/local/cargo/bin:" + STD
NO = dict(tz="no", gozip="no", ca="no", certpem="no", git="no", curl="no", wget="no", openssl="no", libssl="no",
          libgcc="no", libstdcxx="no", libc="none", sh="no", mime="no", services="no", users="root,nobody",
          user="-", workdir="-", path=STD, version="-")
def real(base=NO, **kw):
    d = dict(base); d.update(kw); return d

# What the real images hold (sources: scripts/testbed/README.md).
DEBIAN_SLIM = real(tz="yes", libgcc="yes", libstdcxx="yes", libc="glibc", sh="yes")
BUILDPACK_SCM = real(DEBIAN_SLIM, ca="yes", git="yes", curl="yes", wget="yes", openssl="yes", libssl="yes",
                     mime="yes", services="yes")
STATIC = real(tz="yes", ca="yes", mime="yes", services="yes", users="root,nobody,nonroot", user="0", workdir="/")
NOSSL = real(STATIC, libc="glibc")
BASE = real(NOSSL, libssl="yes")
CC = real(BASE, libgcc="yes", libstdcxx="yes")
ALPINE = real(ca="yes", certpem="yes", wget="yes", libssl="yes", libc="musl", sh="yes", services="yes")
NODE_SLIM = real(DEBIAN_SLIM, users="root,nobody,node", version="20.*")
IMAGES = {
    "docker.io/library/debian:bookworm-slim": DEBIAN_SLIM,
    "gcr.io/distroless/static-debian12:latest": STATIC,
    "gcr.io/distroless/static-debian12:nonroot": real(STATIC, user="65532", workdir="/home/nonroot"),
    "gcr.io/distroless/base-nossl-debian12:latest": NOSSL,
    "gcr.io/distroless/base-nossl-debian12:nonroot": real(NOSSL, user="65532", workdir="/home/nonroot"),
    "gcr.io/distroless/base-debian12:latest": BASE,
    "gcr.io/distroless/base-debian12:nonroot": real(BASE, user="65532", workdir="/home/nonroot"),
    "gcr.io/distroless/cc-debian12:latest": CC,
    "gcr.io/distroless/cc-debian12:nonroot": real(CC, user="65532", workdir="/home/nonroot"),
    "docker.io/library/alpine:3.20": ALPINE,
    "docker.io/library/golang:1.22": real(BUILDPACK_SCM, gozip="yes", workdir="/go", path=GO_PATH, version="1.22.12"),
    "docker.io/library/golang:1.22-alpine": real(ALPINE, gozip="yes", workdir="/go", path=GO_PATH, version="1.22.12"),
    "docker.io/library/rust:1.82-slim": real(DEBIAN_SLIM, ca="yes", openssl="yes", libssl="yes", path=CARGO_PATH,
                                             version="1.82.0"),
    "docker.io/library/rust:1.82": real(BUILDPACK_SCM, path=CARGO_PATH, version="1.82.0"),
    "docker.io/library/node:20-slim": NODE_SLIM,
    "docker.io/library/node:20": real(BUILDPACK_SCM, users="root,nobody,node", version="20.*"),
    "docker.io/library/node:20-alpine": real(ALPINE, libgcc="yes", libstdcxx="yes", users="root,nobody,node",
                                             version="20.*"),
}
# Opt-in stand-ins (scripts/testbed.sh's TESTBED_OPTIN): with no IMAGE given, skipped when not in the store.
OPTIN = {"docker.io/library/node:20-alpine": "55-node-alpine"}
# Differences the testbed cannot remove offline: (image, fact) -> why, and what it does to a test.
MUSL_SSL = ("no musl build of OpenSSL here (Debian has none): a musl program linked to libssl fails on the stand-in "
            "but runs on the real image, a false failure, never a hidden bug")
RUST_VER = ("the host's stable toolchain (no Rust 1.82 offline): code needing a newer Rust builds here and not on "
            "rust:1.82; code relying on 1.82 behaviour may differ")
KNOWN = {
    ("docker.io/library/alpine:3.20", "libssl"): MUSL_SSL,
    ("docker.io/library/golang:1.22-alpine", "libssl"): MUSL_SSL,
    ("docker.io/library/node:20-alpine", "libssl"): MUSL_SSL + " (node itself links its own OpenSSL statically)",
    ("docker.io/library/rust:1.82", "version"): RUST_VER,
    ("docker.io/library/rust:1.82-slim", "version"): RUST_VER,
}
GO_TZ = ('cd /tmp && printf \'package main\\nimport ("fmt"; "time")\\nfunc main() { l, err := time.LoadLocation("Europe/Berlin"); '
         'if err != nil { fmt.Println(err); return }; fmt.Println(l) }\\n\' > tzprobe.go && go build -o tzprobe tzprobe.go && '
         '[ "$(./tzprobe)" = Europe/Berlin ] && [ "$(GOROOT=/nonexistent ./tzprobe)" != Europe/Berlin ]')
# Behaviours: (image, name, shell command that must succeed), run in the image's container after the file facts.
BEHAVIOURS = [
    ("docker.io/library/alpine:3.20", "apk-add-tzdata",
     "test ! -e /usr/share/zoneinfo && apk add --no-cache tzdata && test -f /usr/share/zoneinfo/Europe/Berlin"),
    ("docker.io/library/alpine:3.20", "apk-add-curl-fails", "! apk add --no-cache curl 2>/dev/null && ! command -v curl"),
    ("docker.io/library/golang:1.22", "goroot", 'test "$(go env GOROOT)" = /usr/local/go'),
    ("docker.io/library/golang:1.22-alpine", "goroot", 'test "$(go env GOROOT)" = /usr/local/go'),
    ("docker.io/library/golang:1.22-alpine", "go-tz-from-zip", GO_TZ),
    ("docker.io/library/node:20-alpine", "node-is-musl",
     'node -e "process.exit(process.report.getReport().header.glibcVersionRuntime === undefined ? 0 : 1)" && '
     'test ! -e /lib64/ld-linux-x86-64.so.2 && test -z "$(find / -xdev -name libc.so.6 2>/dev/null)"'),
    ("docker.io/library/node:20-alpine", "npm-npx-yarn-corepack",
     "npm --version && npx --version && yarn --version && corepack --version && test -d /opt/yarn-v$YARN_VERSION"),
    ("docker.io/library/node:20-alpine", "node-user", 'test "$(id -u node):$(id -g node)" = 1000:1000 && test -d /home/node'),
    ("docker.io/library/node:20-alpine", "apk-add-libstdc++", "apk add --no-cache libstdc++ libgcc"),
    ("docker.io/library/node:20-alpine", "apk-add-curl-fails", "! apk add --no-cache curl 2>/dev/null && ! command -v curl"),
]

def resolve(root, path):
    """path inside root with every symlink resolved inside root; None if it does not exist."""
    parts, cur, hops = [p for p in path.split("/") if p], "", 0
    while parts:
        comp = parts.pop(0)
        if comp == ".":
            continue
        if comp == "..":
            cur = os.path.dirname(cur)
            continue
        full = root + cur + "/" + comp
        if os.path.islink(full):
            hops += 1
            if hops > 40:
                return None
            target = os.readlink(full)
            if target.startswith("/"):
                cur = ""
            parts = [p for p in target.split("/") if p] + parts
            continue
        if not os.path.lexists(full):
            return None
        cur = cur + "/" + comp
    return root + cur

def is_file(root, path):
    p = resolve(root, path)
    return p is not None and os.path.isfile(p)

def is_exe(root, path):
    p = resolve(root, path)
    return p is not None and os.path.isfile(p) and os.stat(p).st_mode & 0o111 != 0

def head(root, path, n):
    p = resolve(root, path)
    if p is None or not os.path.isfile(p):
        return b""
    with open(p, "rb") as f:
        return f.read(n)

LIBDIRS = ["/lib", "/usr/lib", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"]
BINDIRS = ["/usr/local/bin", "/usr/bin", "/bin"]
yn = lambda b: "yes" if b else "no"

def certs(root, path):
    return head(root, path, 10 ** 7).count(b"BEGIN CERTIFICATE") >= 100

def gozip(root):
    p = resolve(root, "/usr/local/go/lib/time/zoneinfo.zip")
    if p is None:
        return False
    try:
        with zipfile.ZipFile(p) as z:
            return z.getinfo("Europe/Berlin").compress_type == zipfile.ZIP_STORED
    except (zipfile.BadZipFile, KeyError, OSError):
        return False

def libc(root):
    kinds = []
    if is_file(root, "/lib64/ld-linux-x86-64.so.2") or any(is_file(root, d + "/libc.so.6") for d in LIBDIRS):
        kinds.append("glibc")
    if is_file(root, "/lib/ld-musl-x86_64.so.1"):
        kinds.append("musl")
    return "+".join(kinds) or "none"

def users(root):
    names = {l.split(":")[0] for l in head(root, "/etc/passwd", 10 ** 6).decode(errors="replace").splitlines() if l}
    return ",".join(u for u in ("root", "nobody", "nonroot", "node") if u in names)

def facts(root, config):
    env = dict(e.split("=", 1) for e in (config.get("Env") or []) if "=" in e)
    version = env.get("GOLANG_VERSION") or env.get("RUST_VERSION") or env.get("NODE_VERSION") or "-"
    return dict(
        tz=yn(head(root, "/usr/share/zoneinfo/Europe/Berlin", 4) == b"TZif"),
        gozip=yn(gozip(root)),
        ca=yn(certs(root, "/etc/ssl/certs/ca-certificates.crt")),
        certpem=yn(certs(root, "/etc/ssl/cert.pem")),
        **{b: yn(any(is_exe(root, d + "/" + b) for d in BINDIRS)) for b in ("git", "curl", "wget", "openssl")},
        **{k: yn(any(is_file(root, d + "/" + f) for d in LIBDIRS))
           for k, f in (("libssl", "libssl.so.3"), ("libgcc", "libgcc_s.so.1"), ("libstdcxx", "libstdc++.so.6"))},
        libc=libc(root),
        sh=yn(is_exe(root, "/bin/sh")),
        mime=yn(is_file(root, "/etc/mime.types")),
        services=yn(b"\nhttp" in head(root, "/etc/services", 10 ** 6)),
        users=users(root),
        user=config.get("User") or "-",
        workdir=config.get("WorkingDir") or "-",
        path=env.get("PATH", "-"),
        version=version,
    )

def buildah(*args, check=True):
    r = subprocess.run(["buildah", *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("buildah %s: %s" % (" ".join(args), r.stderr.strip()))
    return r

counts = {"ok": 0, "known": 0, "FAIL": 0}
def report(image, fact, want, got):
    if got == want or (fact == "version" and fnmatch.fnmatchcase(got, want)):
        status = "ok"
    elif (image, fact) in KNOWN:
        status = "known: " + KNOWN[(image, fact)]
    else:
        status = "FAIL"
    counts[status.split(":")[0]] += 1
    print("%-46s %-9s real=%-14s stand-in=%-14s %s" % (image, fact, want, got, status), flush=True)

missing = []
for image in sys.argv[1:] or list(IMAGES):
    if image not in IMAGES:
        sys.exit("testbed-audit: no table row for %s (known: %s)" % (image, ", ".join(IMAGES)))
    want = IMAGES[image]
    r = buildah("inspect", "--type", "image", image, check=False)
    if r.returncode != 0 and image in OPTIN and not sys.argv[1:]:
        print("%-46s not built (opt-in: TESTBED_OPTIN=%s scripts/testbed.sh), skipped" % (image, OPTIN[image]))
        continue
    if r.returncode != 0:
        print("%-46s missing from the store" % image)
        missing.append(image)
        continue
    config = json.loads(r.stdout)["OCIv1"].get("config") or {}
    c = buildah("from", "--pull=never", "-q", image).stdout.strip()
    try:
        root = buildah("mount", c).stdout.strip()
        got = facts(root, config)
        for fact in want:
            report(image, fact, want[fact], got[fact])
        for img, name, cmd in BEHAVIOURS:
            if img == image:
                b = buildah("run", c, "--", "sh", "-c", cmd, check=False)
                report(image, name, "pass", "pass" if b.returncode == 0 else "fail")
                if b.returncode != 0 and (b.stdout or b.stderr):
                    print("    " + (b.stdout + b.stderr).strip().replace("\n", "\n    "))
    finally:
        buildah("umount", c, check=False)
        buildah("rm", c, check=False)
total = sum(counts.values())
print("%d facts: %d ok, %d known, %d FAIL%s" % (total, counts["ok"], counts["known"], counts["FAIL"],
      ", missing: " + " ".join(missing) if missing else ""))
sys.exit(1 if counts["FAIL"] or missing else 0)
PY
