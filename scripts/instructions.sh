#!/usr/bin/env bash
# Instructions per split, counted with valgrind's callgrind: figures that do not move with the
# machine's load, unlike the times of `cargo bench`. For each case the benchmark binary
# (benches/count.rs) runs once with N = 0 (start-up and one warm split) and once with N = n;
# per split = (count(n) - count(0)) / n. Prints a markdown table.
#
#   scripts/instructions.sh [CASE...]   # default: small typical large lines:100 lines:1000 lines:10000
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(small typical large lines:100 lines:1000 lines:10000)

bin=$(cargo bench --bench count --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "count" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "instructions.sh: could not build benches/count.rs" >&2; exit 1; }

count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 >/dev/null |
        sed -n 's/.*Collected : *//p' | tr -d ,
}

echo "dockslim $(git rev-parse --short HEAD 2>/dev/null || echo '?'), callgrind, instructions per split"
echo
echo "| case | per split | n |"
echo "|---|---|---|"
for c in "${cases[@]}"; do
    case $c in
        small | typical) n=100 ;;
        large | lines:1000) n=5 ;;
        lines:100) n=20 ;;
        *) n=1 ;;
    esac
    base=$(count "$c" 0) || { echo "instructions.sh: case $c failed" >&2; exit 1; }
    [ -n "$base" ] || { echo "instructions.sh: case $c: no count (see: $bin $c 0)" >&2; exit 1; }
    more=$(count "$c" "$n")
    awk -v c="$c" -v a="$base" -v b="$more" -v n="$n" 'BEGIN {
        v = (b - a) / n
        printf "| %s | %s | %d |\n", c, (v >= 1e6 ? sprintf("%.2f M", v / 1e6) : sprintf("%.1f k", v / 1e3)), n }'
done
