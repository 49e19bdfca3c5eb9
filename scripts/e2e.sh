#!/bin/bash
# scripts/e2e.sh [EXAMPLE...]: end-to-end check of dockslim's rewrites on the testbed (no Docker daemon, no registry).
#
# For every examples/*/ holding a Dockerfile (or the EXAMPLE dirs/names given):
#   1. `$DOCKSLIM split --stdout examples/X/Dockerfile` gives the rewrite (left as is => reported, not built);
#   2. a server (its Dockerfile EXPOSEs a port) is judged by `dockslim verify --engine buildah` alone: it builds both,
#      serves both and compares their HTTP answers, the application files and the configs (steps 3-5 are skipped);
#   3. otherwise both the original and the rewrite are built with `buildah bud --pull=never --layers=false` (context
#      examples/X) and run like `docker run --rm IMAGE` (scripts/testbed/run-image.sh) with a time limit;
#   4. asserted: both build; same stdout and exit code; the rewrite is never larger, and strictly smaller when the
#      original's base is a toolchain image (golang, rust, full node);
#   5. `dockslim verify` must pass too (and must not pass what step 4 failed).
# `dockslim verify` fails a rewrite with one line per reason. E2E_VERIFY_LENIENT=files,config (either or both) turns
# those of the files check ("dropped N files the program may read") or of the config check ("user: ...", "env ...",
# "cmd: ") into notes in the table instead of failures (for a local look; scripts/test.sh never sets it).
# An example holding a file `e2e-xfail` (its text is the reason, e.g. the issue) is expected to fail: it is counted as
# xfail, not failed; if it passes, that is a failure (remove the file).
# Skipped (always with the reason printed): an example holding a file `e2e-skip` (its text is the reason), one whose
# FROM image has no stand-in in the testbed store.
# Optional per example: `e2e-args` (one argument a line, passed to both runs after the image, like docker run IMAGE ARGS),
# `e2e-timeout` (run time limit in seconds). A run that hits the limit counts as ok only if both runs hit it with the
# same stdout (a server that never exits). What npm, pnpm or yarn print around a package.json script they run
# ("> name@1.0.0 start", "yarn run v1.22.22", "Done in 0.07s.") is not the program's output: ignored in the comparison.
#
# Env: DOCKSLIM (default target/release/dockslim, built with cargo if missing), EXAMPLES_DIR (default examples),
# E2E_RUN_TIMEOUT (default 30 s), E2E_BUILD_TIMEOUT (default 900 s), E2E_NO_TESTBED=1 (do not run scripts/testbed.sh
# first), E2E_KEEP=1 (keep the images and work dir), DOCKSLIM_TB (testbed store, see scripts/testbed/env.sh).
# E2E_VERIFY=0 skips step 5 for examples that are not servers.
# Output: a table, then a last line `N passed, M failed, K skipped[, X xfail]`; exit 1 if any example failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$ROOT"
DOCKSLIM=${DOCKSLIM:-target/release/dockslim}
EXAMPLES_DIR=${EXAMPLES_DIR:-examples}
RUN_TIMEOUT=${E2E_RUN_TIMEOUT:-30}
BUILD_TIMEOUT=${E2E_BUILD_TIMEOUT:-900}
RUN_IMAGE=$ROOT/scripts/testbed/run-image.sh
now() { date +%s; }
log() { echo "[e2e $(date +%T)] $*" >&2; }
T0=$(now)

if [ -z "${E2E_NO_TESTBED:-}" ]; then
  t=$(now); QUIET=1 bash "$ROOT/scripts/testbed.sh" || { echo "testbed setup failed"; echo "0 passed, 1 failed"; exit 1; }
  log "testbed: $(( $(now) - t )) s"
fi
. "$ROOT/scripts/testbed/env.sh"

if [ ! -x "$DOCKSLIM" ]; then
  if [ "$DOCKSLIM" = target/release/dockslim ]; then
    t=$(now); log "building $DOCKSLIM"; cargo build --release --quiet || { echo "cargo build failed"; echo "0 passed, 1 failed"; exit 1; }
    log "cargo build --release: $(( $(now) - t )) s"
  else
    echo "DOCKSLIM=$DOCKSLIM is not an executable"; echo "0 passed, 1 failed"; exit 1
  fi
fi
case "$DOCKSLIM" in /*) ;; *) DOCKSLIM=$ROOT/$DOCKSLIM ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dockslim-e2e.XXXXXX")
TAG_PREFIX=localhost/dockslim-e2e-$$
CONTAINERS_BEFORE=$(buildah containers -q 2>/dev/null | sort)
INTERRUPTED=""
cleanup() {
  [ -n "${E2E_KEEP:-}" ] && { log "kept images $TAG_PREFIX/* and $WORK"; return; }
  local i c
  for i in $(buildah images --format '{{.Name}}:{{.Tag}}' 2>/dev/null | grep "^$TAG_PREFIX/"); do buildah rmi -f "$i" >/dev/null 2>&1; done
  if [ -n "$INTERRUPTED" ]; then
    # working containers and untagged images left behind by an interrupted build or run of this script
    # (a normal run leaves none: bud --force-rm, run-image.sh removes its container)
    for c in $(comm -13 <(echo "$CONTAINERS_BEFORE") <(buildah containers -q 2>/dev/null | sort)); do buildah rm "$c" >/dev/null 2>&1; done
    buildah rmi --prune >/dev/null 2>&1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'INTERRUPTED=1; exit 130' INT TERM

# froms DOCKERFILE: "FINAL <ref>" (base of the last stage, through stage names) then "EXT <ref>" for every external image,
# refs normalized to the store's names (docker.io/library/..., :latest); "scratch" as is. ARG defaults are substituted.
froms() { python3 "$(dirname "$(readlink -f "$0")")/testbed/froms.py" "$1"; }
# image_bytes IMAGE: sum of the layer sizes of the image's manifest (uncompressed tars in local storage)
image_bytes() {
  buildah inspect --type image --format '{{.Manifest}}' "$1" | python3 -c '
import json, sys; print(sum(l.get("size", 0) for l in json.load(sys.stdin).get("layers", [])))'
}
# strip_pm_banner FILE: FILE without what a package manager prints around a package.json script it runs, which is not
# the program's output and which a rewrite that starts node directly does not print:
# npm/pnpm "\n> name@1.0.0 start\n> node server.js\n\n" before; yarn 1 "yarn run v1.22.22\n$ node app.js\n" before
# and "Done in 0.07s.\n" after.
strip_pm_banner() {
  python3 -c '
import re, sys
s = open(sys.argv[1], "rb").read()
s = re.sub(rb"\A\n?(?:> [^\n]*\n)+\n", b"", s, count=1)
t = re.sub(rb"\Ayarn run v[0-9][^\n]*\n(?:\$ [^\n]*\n)?", b"", s, count=1)
if t != s:
    s = re.sub(rb"(?:\A|(?<=\n))Done in [0-9.]+m?s\.\n?\Z", b"", t)
sys.stdout.buffer.write(s)' "$1"
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000000 }'; }
is_toolchain() { # the original's base is a toolchain image: golang, rust, node (not -slim / -alpine)
  case "$1" in
    docker.io/library/golang:*|docker.io/library/rust:*) return 0 ;;
    docker.io/library/node:*-slim*|docker.io/library/node:*alpine*) return 1 ;;
    docker.io/library/node:*) return 0 ;;
  esac; return 1; }

STORE=$(buildah images --format '{{.Name}}:{{.Tag}}' 2>/dev/null | sort -u)
has_image() { [ "$1" = scratch ] || grep -qxF "$1" <<<"$STORE"; }

# example list
if [ $# -gt 0 ]; then
  DIRS=(); for a; do if [ -d "$a" ]; then DIRS+=("${a%/}"); else DIRS+=("$EXAMPLES_DIR/$a"); fi; done
else
  DIRS=(); for d in "$EXAMPLES_DIR"/*/; do [ -f "$d/Dockerfile" ] && DIRS+=("${d%/}"); done
fi
[ ${#DIRS[@]} -gt 0 ] || log "no example with a Dockerfile under $EXAMPLES_DIR"

PASS=0; FAIL=0; SKIP=0; ROWS=(); DETAILS=()
row() { ROWS+=("$(printf '%-22s %9s %9s %7s  %-8s %-11s %s' "$@")"); }
fail_detail() { DETAILS+=("--- $1: $2"); }

build() { # build NAME DOCKERFILE CONTEXT TAG LOG -> prints seconds; status = build status
  local t=$(now) rc
  timeout --kill-after=10 "$BUILD_TIMEOUT" buildah bud --pull=never --layers=false --rm --force-rm -q \
    -f "$2" -t "$4" "$3" > "$5" 2>&1; rc=$?
  echo $(( $(now) - t )); return $rc
}
run_img() { # run_img IMAGE OUTPREFIX TIMEOUT ARGS... -> writes OUTPREFIX.out/.err, echoes exit code
  local img=$1 o=$2 to=$3; shift 3
  RUN_TIMEOUT=$to bash "$RUN_IMAGE" "$img" "$@" > "$o.out" 2> "$o.err"; echo $?
}

is_server() { grep -qiE '^[[:space:]]*expose[[:space:]]' "$1"; }
# run_verify DIR TIMEOUT: `dockslim verify` of DIR into $W/verify.out; sets VEV (exit code), VPROB (its reasons that
# count), VNOTE (those E2E_VERIFY_LENIENT demotes), VSIZES ("before after" bytes, from its size line), VSMALLER (1 when
# the rewrite is strictly smaller), VSECS.
run_verify() {
  local t=$(now) line class
  VPROB=(); VNOTE=(); VSIZES=""; VSMALLER=0
  "$DOCKSLIM" verify --engine buildah --timeout "$2" "$1" > "$W/verify.out" 2>&1; VEV=$?
  VSECS=$(( $(now) - t ))
  VSIZES=$(python3 -c '
import re, sys
m = re.search(r"^size: +original ([0-9.]+) (B|kB|MB|GB|TB), rewritten ([0-9.]+) (B|kB|MB|GB|TB)", open(sys.argv[1]).read(), re.M)
u = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
print(f"{int(float(m[1]) * u[m[2]])} {int(float(m[3]) * u[m[4]])}" if m else "")' "$W/verify.out")
  grep -qE '^size: .*\(.*saves [1-9]' "$W/verify.out" && VSMALLER=1
  [ "$VEV" = 0 ] && return
  if [ "$VEV" != 1 ] || ! grep -q '^verdict:   FAIL' "$W/verify.out"; then
    VPROB+=("dockslim verify exited $VEV: $(grep -m1 -E ': (error|verify failed): ' "$W/verify.out" | cut -c1-300)"); return
  fi
  while IFS= read -r line; do
    case "$line" in
      "dropped "*" the program may read: "*) class=files ;;
      "user: "*|"env "*|"workdir: "*|"entrypoint: "*|"cmd: "*|"exposed ports: "*) class=config ;;
      *) class=behaviour ;;
    esac
    if [[ ",${E2E_VERIFY_LENIENT:-}," == *",$class,"* ]]; then VNOTE+=("$line"); else VPROB+=("$line"); fi
  done < <(sed -n '/^verdict:   FAIL/,/^[^ ]/{s/^  - //p}' "$W/verify.out")
}
XFAIL=0
# finish NAME BEFORE AFTER RATIO SECS NOTE PROBLEM...: the row of one example, counting it (e2e-xfail honoured)
finish() {
  local name=$1 b=$2 a=$3 r=$4 secs=$5 note=$6; shift 6
  local msg xf=""
  [ -f "$dir/e2e-xfail" ] && xf=$(tr '\n' ' ' < "$dir/e2e-xfail" | sed 's/ *$//')
  if [ $# -eq 0 ]; then
    if [ -n "$xf" ]; then row "$name" "$b" "$a" "$r" FAIL "$secs" "passes now: remove e2e-xfail ($xf)"; FAIL=$((FAIL+1))
    else row "$name" "$b" "$a" "$r" ok "$secs" "$note"; PASS=$((PASS+1)); fi
  else
    msg=$(printf '%s; ' "$@"); msg=${msg%; }
    if [ -n "$xf" ]; then row "$name" "$b" "$a" "$r" xfail "$secs" "expected ($xf): $msg"; XFAIL=$((XFAIL+1))
    else row "$name" "$b" "$a" "$r" FAIL "$secs" "$msg"; FAIL=$((FAIL+1)); fi
  fi
}
verify_note() { [ ${#VNOTE[@]} -gt 0 ] && printf '; lenient: %s' "$(printf '%s; ' "${VNOTE[@]}" | sed 's/; $//' | cut -c1-400)"; }

for dir in "${DIRS[@]}"; do
  name=$(basename "$dir"); W=$WORK/$name; mkdir -p "$W"
  if [ ! -f "$dir/Dockerfile" ]; then row "$name" - - - FAIL - "no Dockerfile in $dir"; FAIL=$((FAIL+1)); continue; fi
  if [ -f "$dir/e2e-skip" ]; then
    reason=$(tr '\n' ' ' < "$dir/e2e-skip" | sed 's/ *$//'); row "$name" - - - skipped - "${reason:-e2e-skip}"; SKIP=$((SKIP+1))
    log "$name: skipped: ${reason:-e2e-skip}"; continue
  fi
  # 1. the rewrite
  "$DOCKSLIM" split --stdout "$dir/Dockerfile" > "$W/Dockerfile.split" 2> "$W/split.err"; rc=$?
  if [ $rc -ne 0 ]; then
    row "$name" - - - FAIL - "dockslim split exited $rc"; fail_detail "$name" "dockslim split exited $rc: $(head -c 2000 "$W/split.err")"
    FAIL=$((FAIL+1)); continue
  fi
  if grep -q ': left as is: ' "$W/split.err" || cmp -s "$dir/Dockerfile" "$W/Dockerfile.split"; then
    reason=$(grep -m1 ': left as is: ' "$W/split.err" | sed 's/.*: left as is: *//'); reason=${reason:-output identical to the input}
    row "$name" - - - "as is" - "left as is: $reason"; SKIP=$((SKIP+1)); log "$name: left as is: $reason"; continue
  fi
  # stand-ins present?
  missing=""; final=""
  while read -r k ref; do
    if [ "$k" = FINAL ]; then final=$ref; elif ! has_image "$ref"; then missing+=" $ref"; fi
  done < <(froms "$dir/Dockerfile")
  if [ -n "$missing" ]; then
    row "$name" - - - skipped - "no stand-in for$missing"; SKIP=$((SKIP+1)); log "$name: skipped: no stand-in for$missing"; continue
  fi
  rmissing=""
  while read -r k ref; do [ "$k" = EXT ] && ! has_image "$ref" && rmissing+=" $ref"; done < <(froms "$W/Dockerfile.split")
  if [ -n "$rmissing" ]; then
    row "$name" - - - skipped - "no stand-in for the rewrite's$rmissing"; SKIP=$((SKIP+1)); log "$name: skipped: no stand-in for the rewrite's$rmissing"; continue
  fi
  to=$RUN_TIMEOUT; [ -f "$dir/e2e-timeout" ] && to=$(tr -dc 0-9 < "$dir/e2e-timeout")
  # 2. a server: `dockslim verify` is the judge
  if is_server "$dir/Dockerfile" && [ ! -f "$dir/e2e-args" ]; then
    log "$name: a server: dockslim verify"
    run_verify "$dir" "$to"
    problems=("${VPROB[@]}")
    [ "$VEV" != 0 ] && [ ${#VPROB[@]} -gt 0 ] && fail_detail "$name" "dockslim verify: $(tail -c 2500 "$W/verify.out")"
    read -r before after <<<"${VSIZES:-0 0}"
    if is_toolchain "$final" && [ "$VSMALLER" != 1 ] && [ -n "$VSIZES" ]; then problems+=("rewrite not smaller than a toolchain-based original ($final)"); fi
    ratio=$(awk -v a="$after" -v b="$before" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    note="served alike (dockslim verify)"; grep -q '^original:  served' "$W/verify.out" || note="ran alike (dockslim verify: it ended before serving)"
    finish "$name" "$(mb "$before")" "$(mb "$after")" "$ratio" "v${VSECS}" "$note$(verify_note)" "${problems[@]}"
    log "$name: done (verify exit $VEV in ${VSECS}s)"; continue
  fi
  # 3. builds
  ti=$TAG_PREFIX/$name:orig; ts=$TAG_PREFIX/$name:split
  log "$name: building original"
  bo=$(build "$name" "$dir/Dockerfile" "$dir" "$ti" "$W/build-orig.log"); rco=$?
  log "$name: original built in ${bo}s (status $rco); building rewrite"
  bs=$(build "$name" "$W/Dockerfile.split" "$dir" "$ts" "$W/build-split.log"); rcs=$?
  log "$name: rewrite built in ${bs}s (status $rcs)"
  if [ $rco -ne 0 ] || [ $rcs -ne 0 ]; then
    what=""; [ $rco -ne 0 ] && { what+="original "; fail_detail "$name" "original build failed ($rco): $(tail -n 15 "$W/build-orig.log")"; }
    [ $rcs -ne 0 ] && { what+="rewrite "; fail_detail "$name" "rewrite build failed ($rcs): $(tail -n 15 "$W/build-split.log")"; }
    row "$name" - - - FAIL "${bo}/${bs}" "build failed: $what"; FAIL=$((FAIL+1))
    buildah rmi -f "$ti" "$ts" >/dev/null 2>&1; continue
  fi
  # 3. sizes and runs
  before=$(image_bytes "$ti"); after=$(image_bytes "$ts")
  runargs=(); [ -f "$dir/e2e-args" ] && mapfile -t runargs < "$dir/e2e-args"
  eo=$(run_img "$ti" "$W/run-orig" "$to" "${runargs[@]}"); es=$(run_img "$ts" "$W/run-split" "$to" "${runargs[@]}")
  buildah rmi -f "$ti" "$ts" >/dev/null 2>&1   # measured and run: free the space now
  # 4. verdict
  problems=()
  if [ "$eo" = 124 ] || [ "$eo" = 137 ] || [ "$es" = 124 ] || [ "$es" = 137 ]; then
    if [ "$eo" != "$es" ]; then problems+=("only one run hit the ${to}s limit (exit $eo vs $es)"); fi
  elif [ "$eo" != "$es" ]; then problems+=("exit code $eo vs $es"); fi
  npm_note=""
  for r in orig split; do strip_pm_banner "$W/run-$r.out" > "$W/run-$r.cmp"; cmp -s "$W/run-$r.out" "$W/run-$r.cmp" || npm_note="; package manager banner ignored"; done
  if ! cmp -s "$W/run-orig.cmp" "$W/run-split.cmp"; then
    problems+=("stdout differs")
    fail_detail "$name" "stdout differs (diff original rewrite; exit codes $eo / $es):
$(diff "$W/run-orig.cmp" "$W/run-split.cmp" | head -n 20)
stderr of the rewrite: $(head -c 1500 "$W/run-split.err")"
  fi
  if [ "$eo" != 0 ] && [ "$eo" != 124 ]; then   # not a failure by itself, but worth a look
    DETAILS+=("--- $name: note: the original exits $eo; its stderr: $(head -c 1000 "$W/run-orig.err")")
  fi
  ratio=$(awk -v a="$after" -v b="$before" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  if [ "$after" -gt "$before" ]; then problems+=("rewrite is larger"); fi
  if is_toolchain "$final" && [ "$after" -ge "$before" ]; then problems+=("rewrite not smaller than a toolchain-based original ($final)"); fi
  note="exit $eo"; [ "$eo" = 124 ] && note="both ran until the ${to}s limit"; note+=$npm_note
  # 5. `dockslim verify` must pass too, and must not pass what failed above (E2E_VERIFY=0 skips this second pair
  # of builds).
  if [ "${E2E_VERIFY:-1}" = 1 ] && [ ! -f "$dir/e2e-args" ]; then
    own=${#problems[@]}
    run_verify "$dir" "$to"
    problems+=("${VPROB[@]}")
    if [ "$VEV" = 0 ] && [ "$own" -gt 0 ]; then problems+=("dockslim verify passed what this run comparison failed")
    elif [ ${#VPROB[@]} -eq 0 ]; then note+="; verify agrees"; fi
    [ ${#VPROB[@]} -gt 0 ] && fail_detail "$name" "dockslim verify: $(tail -c 2500 "$W/verify.out")"
    note+=$(verify_note)
  fi
  cmp -s "$W/run-orig.cmp" "$W/run-split.cmp" && [ ${#problems[@]} -gt 0 ] && [ -s "$W/run-split.err" ] \
    && fail_detail "$name" "stderr of the rewrite's run: $(head -c 1500 "$W/run-split.err")"
  finish "$name" "$(mb "$before")" "$(mb "$after")" "$ratio" "${bo}/${bs}" "$note" "${problems[@]}"
  log "$name: done (before $(mb "$before") MB, after $(mb "$after") MB)"
done

echo
printf '%-22s %9s %9s %7s  %-8s %-11s %s\n' example "before MB" "after MB" ratio "run ok" "build s" "note"
printf '%s\n' "${ROWS[@]}"
echo "(build s = original/rewrite build seconds, or vN: N seconds of dockslim verify; total e2e time $(( $(now) - T0 )) s)"
if [ ${#DETAILS[@]} -gt 0 ]; then echo; echo "Details:"; printf '%s\n' "${DETAILS[@]}"; fi
echo
last="$PASS passed, $FAIL failed"; [ $SKIP -gt 0 ] && last+=", $SKIP skipped"; [ $XFAIL -gt 0 ] && last+=", $XFAIL xfail"
echo "$last"
[ $FAIL -eq 0 ]
