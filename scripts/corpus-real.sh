#!/usr/bin/env bash
# scripts/corpus-real.sh: the real-project scoreboard. For every row of corpus/real.tsv (a public repository, a commit,
# the Dockerfile and its context there, the language) it extracts the repository at that commit from its local git
# mirror into a temporary directory, runs `dockslim split` on it, and, when dockslim rewrites it and every base image
# of the original (and of the rewrite) has a stand-in in the testbed store, checks the rewrite with `dockslim verify`
# under the shared build lock, one repository at a time, with a time limit per repository. It prints one line per
# repository and the totals:
#   verified                 rewritten, and `dockslim verify` passed
#   failed-verify            rewritten, and `dockslim verify` failed: a bug to fix (or to explain)
#   left-as-is               dockslim changed nothing (with its reason)
#   original-does-not-build  the original Dockerfile does not build here (with the cause)
#   not-checked              no stand-in for a base image (named), or the per-repository time limit was hit
#   rewritten                rewritten, builds skipped (--split-only)
#   split-error              `dockslim split` exited 2 (or panicked) on the file
#   not-fetched              no local mirror, or the commit is not in it
# Nothing from the repositories is written into this repository: each is extracted under a temporary directory that is
# deleted afterwards (--keep DIR keeps the split output, diff and logs outside the repository for reading).
# A developer tool, not part of CI (it needs the mirrors, the npm/crates.io registries and hours of builds).
#
#   scripts/corpus-real.sh                      # all rows, with builds
#   scripts/corpus-real.sh --split-only         # all rows, dockslim split only (fast)
#   scripts/corpus-real.sh --lang go --only bnmwag/simple-http,okteto
#   scripts/corpus-real.sh --results /tmp/sb.tsv --markdown   # merge into a results file, print its markdown table
#
# Options:
#   --split-only          skip the builds (alias --no-build)
#   --lang L[,L]          only rows of these languages (go, rust, node)
#   --only S[,S]          only rows whose repository contains one of these strings (case-insensitive)
#   --repo-timeout SECS   wall-clock limit of one repository's verify, both builds and runs (default 1200)
#   --run-timeout SECS    how long each container may run, passed to `dockslim verify --timeout` (default 20)
#   --results FILE        merge the outcomes into FILE (TSV; a later run replaces the rows it redoes)
#   --markdown            print the markdown table of --results FILE (or of this run) at the end
#   --keep DIR            keep split output, diff and logs per repository under DIR (must be outside the repository)
# Env: DOCKSLIM (default target/release/dockslim, built when missing or older than src/), MIRROR_ROOT (default
# /work/.mirror), DOCKSLIM_LOCK (default /var/tmp/dockslim-build.lock), DOCKSLIM_TB (testbed store, scripts/testbed/env.sh).
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
SELF=$ROOT/scripts/corpus-real.sh
MANIFEST=${CORPUS_REAL:-$ROOT/corpus/real.tsv}
MIRROR=${MIRROR_ROOT:-/work/.mirror}
LOCK=${DOCKSLIM_LOCK:-/var/tmp/dockslim-build.lock}

# ---------------------------------------------------------------------------------------------------------------------
# Internal: `corpus-real.sh __verify LOG SRC DOCKERFILE CONTEXT RUN_TIMEOUT REPO_TIMEOUT`, run under `flock LOCK`.
# Runs `dockslim verify` in its own process group, kills the group at the time limit, and then removes the containers
# and images that appeared meanwhile (the lock guarantees they are this run's: verify removes its own on a normal end).
if [ "${1:-}" = __verify ]; then
  log=$2 src=$3 df=$4 ctx=$5 rt=$6 limit=$7
  . "$ROOT/scripts/testbed/env.sh"
  date +%s >"$log.start"   # the lock is held from here on
  c0=$(buildah containers -aq 2>/dev/null | sort); i0=$(buildah images -aq --no-trunc 2>/dev/null | sort)
  (cd "$src" && exec setsid "$DOCKSLIM" verify --engine buildah --timeout "$rt" --context "$ctx" "$df") >"$log" 2>&1 &
  pid=$!; end=$((SECONDS + limit)); timed=""
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $end ]; then
      timed=1; kill -TERM -- "-$pid" 2>/dev/null; sleep 10; kill -KILL -- "-$pid" 2>/dev/null; break
    fi
    sleep 2
  done
  wait "$pid"; rc=$?
  if [ -n "$timed" ]; then
    rc=124
    for c in $(comm -13 <(echo "$c0") <(buildah containers -aq 2>/dev/null | sort)); do buildah rm "$c" >/dev/null 2>&1; done
    for i in $(comm -13 <(echo "$i0") <(buildah images -aq --no-trunc 2>/dev/null | sort)); do buildah rmi -f "$i" >/dev/null 2>&1; done
  fi
  exit $rc
fi

# ---------------------------------------------------------------------------------------------------------------------
usage() { sed -n '2,/^set -uo/p' "$SELF" | sed '$d' | sed 's/^# \{0,1\}//'; }
SPLIT_ONLY="" LANGS="" ONLY="" REPO_TIMEOUT=1200 RUN_TIMEOUT=20 RESULTS="" MARKDOWN="" KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --split-only|--no-build) SPLIT_ONLY=1 ;;
    --lang) LANGS=${2:?--lang needs a value}; shift ;;
    --only) ONLY=${ONLY:+$ONLY,}${2:?--only needs a value}; shift ;;
    --repo-timeout) REPO_TIMEOUT=${2:?}; shift ;;
    --run-timeout) RUN_TIMEOUT=${2:?}; shift ;;
    --results) RESULTS=${2:?}; shift ;;
    --markdown) MARKDOWN=1 ;;
    --keep) KEEP=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "corpus-real.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$MANIFEST" ] || { echo "corpus-real.sh: no manifest at $MANIFEST" >&2; exit 2; }
if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP" && KEEP=$(cd "$KEEP" && pwd)
  case "$KEEP/" in "$ROOT"/*) echo "corpus-real.sh: --keep must be outside the repository ($ROOT)" >&2; exit 2 ;; esac
fi

DOCKSLIM=${DOCKSLIM:-$ROOT/target/release/dockslim}
if [ "$DOCKSLIM" = "$ROOT/target/release/dockslim" ] &&
   { [ ! -x "$DOCKSLIM" ] || [ -n "$(find "$ROOT/src" "$ROOT/templates" -newer "$DOCKSLIM" -print -quit 2>/dev/null)" ]; }; then
  (cd "$ROOT" && cargo build --release --quiet) || { echo "corpus-real.sh: cargo build failed" >&2; exit 2; }
fi
[ -x "$DOCKSLIM" ] || { echo "corpus-real.sh: DOCKSLIM=$DOCKSLIM is not an executable" >&2; exit 2; }
export DOCKSLIM

WORK=$(mktemp -d "${TMPDIR:-/tmp}/corpus-real.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

if [ -z "$SPLIT_ONLY" ]; then
  . "$ROOT/scripts/testbed/env.sh"
  STORE=$(buildah images --format '{{.Name}}:{{.Tag}}' 2>/dev/null | sort -u)
  [ -n "$STORE" ] || echo "corpus-real.sh: the testbed store ($DOCKSLIM_TB) is empty: run scripts/testbed.sh; every row will be not-checked" >&2
fi
has_image() { [ "$1" = scratch ] || grep -qxF "$1" <<<"$STORE"; }

# gitdir OWNER/NAME: the mirror's git directory (fetch leaves either repo/.git or a bare repo/).
gitdir() {
  local m=$MIRROR/${1/\//+} g
  for g in "$m/repo/.git" "$m/repo" "$m/.git" "$m"; do
    [ -d "$g" ] && git --git-dir="$g" rev-parse --git-dir >/dev/null 2>&1 && { echo "$g"; return 0; }
  done
  return 1
}

# extract GITDIR COMMIT DIR: the commit's tree written file by file, skipping blobs the mirror does not hold; prints
# "N path..." (how many were skipped, and the first few), fails when nothing could be read.
extract() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, subprocess, sys
gd, commit, dest = sys.argv[1:]
ls = subprocess.run(["git", "--git-dir", gd, "ls-tree", "-r", "-z", "--full-tree", commit], capture_output=True, check=True).stdout
entries = []
for rec in ls.split(b"\0"):
    if not rec: continue
    meta, path = rec.split(b"\t", 1)
    mode, kind, sha = meta.split()
    if kind == b"blob": entries.append((mode, sha, path.decode("utf-8", "surrogateescape")))
cat = subprocess.Popen(["git", "--git-dir", gd, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
missing = []
for mode, sha, path in entries:
    cat.stdin.write(sha + b"\n"); cat.stdin.flush()
    head = cat.stdout.readline().split()
    if len(head) < 3 or head[1] == b"missing":
        missing.append(path); continue
    data = cat.stdout.read(int(head[2])); cat.stdout.read(1)
    full = os.path.join(dest, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if mode == b"120000":
        os.symlink(data.decode("utf-8", "surrogateescape"), full)
    else:
        with open(full, "wb") as f: f.write(data)
        if mode == b"100755": os.chmod(full, 0o755)
cat.stdin.close(); cat.wait()
if entries and len(missing) == len(entries): sys.exit("no file of the commit is in the mirror")
print(len(missing), ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else ""))
PY
}

# froms DOCKERFILE: "EXT <ref>" for every external image (stage names followed, ARG defaults substituted), refs in the
# store's spelling (docker.io/library/x:tag): scripts/testbed/froms.py, as scripts/e2e.sh reads them.
froms() { python3 "$ROOT/scripts/testbed/froms.py" "$1" | grep '^EXT '; }

# cause LOG: one line saying why a build failed, from an engine log (known classes first, then the last error line).
cause() {
  python3 - "$1" <<'PY'
import re, sys
log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
known = [
    (r"binaries\.prisma\.sh", "Prisma downloads its engines from binaries.prisma.sh (not reachable here)"),
    (r"requires go >= ([0-9.]+) \(running go ([0-9.]+)", "go.mod needs Go >= {0}; the stand-in for this golang tag is Go {1}"),
    (r"proxy\.golang\.org|sum\.golang\.org", "needs the Go module proxy (not reachable here)"),
    (r"install the binaries from the package in current working directory is no longer supported", "old `cargo install` without --path (rejected by today's cargo)"),
    (r"unable to select packages|ERROR: unable to select", "apk package missing from the alpine stand-in (no apk index)"),
    (r"Unable to locate package|has no installation candidate", "apt package not found"),
    (r'copier: stat: "([^"]+)"', "COPY of {0}, which the builder stage does not have"),
    (r'STEP "RUN ([^ "]+)[^"]*": exit status 127', "`{0}` is not installed where the RUN step runs (exit 127)"),
    (r"ENOTFOUND (?:codeload\.)?github\.com|hostname: 'github\.com'|request to https://codeload\.github\.com", "a dependency is downloaded from github.com (not reachable here)"),
    (r"Updating git repository `https://github\.com/([^`]+?)(?:\.git)?`", "the Cargo dependency {0} is a git repository on github.com (not reachable here)"),
    (r"Corepack is about to download (\S+)", "corepack could not download {0}"),
    (r'Run "npm help ci"|npm (?:ERR!|error) code EUSAGE', "`npm ci` refused: no package-lock.json in the context"),
    (r"(ERR_PNPM_[A-Z_]+)(?:[^\n]*\n){1,3}\s*(?:╰─▶|\|)?\s*([^\n]*)", "{0}: {1}"),
]
for pat, text in known:
    m = re.search(pat, log)
    if m:
        print(re.sub(r"\s+", " ", text.format(*m.groups()))[:200]); sys.exit()
lines = [l.strip() for l in log.split("\n") if l.strip()]
pats = [r"^error(\[E\d+\])?:", r"npm (ERR!|error) (?!code|A complete log|\s*$)", r"^Error:", r"\berror\b", r"failed"]
for p in pats:
    hits = [l for l in lines if re.search(p, l, re.I) and "error building at STEP" not in l]
    if hits:
        print(re.sub(r"\s+", " ", hits[0])[:200]); sys.exit()
print(re.sub(r"\s+", " ", lines[-1])[:200] if lines else "no log")
PY
}

# ---------------------------------------------------------------------------------------------------------------------
# results file: replace the rows this run redid (same repository and Dockerfile), keep the others
merge_results() {
  touch "$RESULTS"
  local new=$WORK/results.new
  { [ ${#ROWS[@]} -gt 0 ] && printf '%s\n' "${ROWS[@]}"; } >"$WORK/rows"
  awk -F'\t' 'FILENAME == ARGV[1] { redo[$1 "\t" $3] = 1; next } !(($1 "\t" $3) in redo)' "$WORK/rows" "$RESULTS" >"$new"
  cat "$WORK/rows" >>"$new"
  # manifest order
  awk -F'\t' 'FILENAME == ARGV[1] { if ($1 !~ /^#/ && $1 != "") order[$1 "\t" $3] = ++i; next } { print ((($1 "\t" $3) in order) ? order[$1 "\t" $3] : 99999) "\t" $0 }' \
    "$MANIFEST" "$new" | sort -n -k1,1 | cut -f2- >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
}

declare -A COUNT
ORDER=(verified failed-verify left-as-is original-does-not-build not-checked rewritten split-error not-fetched)
ROWS=()
TODAY=$(date +%F)
emit() { # emit REPO COMMIT DOCKERFILE LANG OUTCOME REASON
  COUNT[$5]=$(( ${COUNT[$5]:-0} + 1 ))
  local why="$6${note:-}"
  printf '%-46s %-5s %-24s %s\n' "$1" "$4" "$5" "$why"
  ROWS+=("$1	$2	$3	$4	$5	$why	$TODAY")
  # Merge as we go, so an interrupted run keeps the rows it finished.
  [ -n "$RESULTS" ] && merge_results
}
wanted() { # wanted REPO LANG
  local s
  if [ -n "$LANGS" ]; then case ",$LANGS," in *",$2,"*) ;; *) return 1 ;; esac; fi
  [ -z "$ONLY" ] && return 0
  for s in ${ONLY//,/ }; do [[ "${1,,}" == *"${s,,}"* ]] && return 0; done
  return 1
}

n=0
while IFS=$'\t' read -r repo commit df lang ctx what; do
  case "$repo" in ''|'#'*) continue ;; esac
  wanted "$repo" "$lang" || continue
  n=$((n + 1)); note=""
  [ "${ctx:--}" = - ] && ctx=$(dirname "$df")
  W=$WORK/$n; src=$W/src; mkdir -p "$src"
  keepdir=""; [ -n "$KEEP" ] && { keepdir=$KEEP/${repo/\//+}; rm -rf "$keepdir"; mkdir -p "$keepdir"; }
  if ! g=$(gitdir "$repo"); then
    emit "$repo" "$commit" "$df" "$lang" not-fetched "not fetched: run the search tool's fetch for $repo"; continue
  fi
  if ! git --git-dir="$g" cat-file -e "$commit^{commit}" 2>/dev/null; then
    emit "$repo" "$commit" "$df" "$lang" not-fetched "not fetched: commit $commit is not in the mirror ($g)"; continue
  fi
  note=""
  if ! git --git-dir="$g" archive --format=tar "$commit" 2>"$W/archive.err" | tar -x -C "$src" 2>>"$W/archive.err"; then
    # Snapshots leave out files of 4 MiB and more: extract what the mirror has, and say how much is missing.
    rm -rf "$src"; mkdir -p "$src"
    if ! missing_files=$(extract "$g" "$commit" "$src" 2>"$W/archive.err"); then
      emit "$repo" "$commit" "$df" "$lang" not-fetched "not fetched whole: $(head -c 200 "$W/archive.err" | tr '\n' ' ')"; rm -rf "$W"; continue
    fi
    note=" [the mirror lacks ${missing_files%% *} large file(s): ${missing_files#* }]"
  fi
  if [ ! -f "$src/$df" ]; then
    emit "$repo" "$commit" "$df" "$lang" split-error "no $df at $commit"; rm -rf "$W"; continue
  fi
  # 1. split
  (cd "$src" && "$DOCKSLIM" split --stdout --context "$ctx" "$df") >"$W/split.out" 2>"$W/split.err"; rc=$?
  if [ -n "$keepdir" ]; then
    cp "$W/split.out" "$keepdir/Dockerfile.split"; cp "$W/split.err" "$keepdir/split.err"
    diff -u --label "a/$df" --label "b/$df" "$src/$df" "$W/split.out" >"$keepdir/split.diff"
  fi
  if [ $rc -eq 101 ] || grep -q panicked "$W/split.err"; then
    emit "$repo" "$commit" "$df" "$lang" split-error "PANIC: $(grep -m1 panicked "$W/split.err")"; rm -rf "$W"; continue
  elif [ $rc -ne 0 ]; then
    emit "$repo" "$commit" "$df" "$lang" split-error "exit $rc: $(head -n1 "$W/split.err" | sed 's/^[^:]*: error: //')"; rm -rf "$W"; continue
  fi
  if grep -q ': left as is: ' "$W/split.err"; then
    emit "$repo" "$commit" "$df" "$lang" left-as-is "$(grep -m1 ': left as is: ' "$W/split.err" | sed 's/.*: left as is: *//')"; rm -rf "$W"; continue
  fi
  summary=$(grep -m1 -v '^\s*$' "$W/split.err" | sed "s|^$df: ||")
  if cmp -s "$src/$df" "$W/split.out"; then
    emit "$repo" "$commit" "$df" "$lang" left-as-is "output identical to the input (${summary:-no message})"; rm -rf "$W"; continue
  fi
  if [ -n "$SPLIT_ONLY" ]; then
    emit "$repo" "$commit" "$df" "$lang" rewritten "$summary"; rm -rf "$W"; continue
  fi
  # 2. stand-ins for every image the original and the rewrite name
  missing=""
  while read -r _ ref; do has_image "$ref" || missing+=" $ref"; done < <(froms "$src/$df")
  if [ -n "$missing" ]; then
    emit "$repo" "$commit" "$df" "$lang" not-checked "no stand-in for$missing"; rm -rf "$W"; continue
  fi
  while read -r _ ref; do has_image "$ref" || missing+=" $ref"; done < <(froms "$W/split.out")
  if [ -n "$missing" ]; then
    emit "$repo" "$commit" "$df" "$lang" not-checked "no stand-in for the rewrite's$missing"; rm -rf "$W"; continue
  fi
  # 3. verify, under the shared lock, one repository at a time
  echo "[corpus-real $(date +%T)] $repo: waiting for the build lock, then verify (limit ${REPO_TIMEOUT}s)" >&2
  t0=$(date +%s)
  flock -o "$LOCK" bash "$SELF" __verify "$W/verify.log" "$src" "$df" "$ctx" "$RUN_TIMEOUT" "$REPO_TIMEOUT"; rc=$?
  t1=$(date +%s); t_lock=$(cat "$W/verify.log.start" 2>/dev/null || echo "$t0")
  secs="verify $((t1 - t_lock)) s, lock wait $((t_lock - t0)) s"
  [ -n "$keepdir" ] && cp "$W/verify.log" "$keepdir/verify.log"
  verdict=$(grep -m1 -E '^verdict:' "$W/verify.log" | sed 's/^verdict: *//')
  case $rc in
    0) emit "$repo" "$commit" "$df" "$lang" verified "${verdict:-PASS} ($secs); $summary" ;;
    1) if grep -q 'rewritten Dockerfile failed to build' "$W/verify.log"; then
         emit "$repo" "$commit" "$df" "$lang" failed-verify "the rewrite does not build: $(cause "$W/verify.log")"
       else
         emit "$repo" "$commit" "$df" "$lang" failed-verify "${verdict:-$(tail -n1 "$W/verify.log")}"
       fi ;;
    124) emit "$repo" "$commit" "$df" "$lang" not-checked "time limit: verify did not finish within ${REPO_TIMEOUT} s ($(cause "$W/verify.log"))" ;;
    *) if grep -q 'original Dockerfile failed to build' "$W/verify.log"; then
         emit "$repo" "$commit" "$df" "$lang" original-does-not-build "$(cause "$W/verify.log")"
       else
         emit "$repo" "$commit" "$df" "$lang" split-error "verify exit $rc: $(grep -m1 -E 'error|left as is' "$W/verify.log" | head -c 200)"
       fi ;;
  esac
  rm -rf "$W"
done < "$MANIFEST"

echo
total=0; line="total:"
for k in "${ORDER[@]}"; do c=${COUNT[$k]:-0}; total=$((total + c)); [ "$c" -gt 0 ] && line+=" $k $c,"; done
echo "${line%,} ($total repositories)"

# ---------------------------------------------------------------------------------------------------------------------
if [ -n "$MARKDOWN" ]; then
  src=${RESULTS:-$WORK/rows}; [ -n "$RESULTS" ] || printf '%s\n' "${ROWS[@]}" >"$src"
  echo
  echo "| repository | commit | Dockerfile | lang | outcome | reason | date |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' '{ r = $6; gsub(/\|/, "\\|", r); printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, substr($2, 1, 12), $3, $4, $5, r, $7 }' "$src"
  echo
  echo "| outcome | repositories |"
  echo "|---|---|"
  awk -F'\t' '{ c[$5]++; t++ } END { split("verified failed-verify left-as-is original-does-not-build not-checked rewritten split-error not-fetched", o, " "); for (i = 1; i in o; i++) if (o[i] in c) printf "| %s | %d |\n", o[i], c[o[i]]; printf "| **total** | **%d** |\n", t }' "$src"
fi
