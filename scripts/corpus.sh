#!/usr/bin/env bash
# Runs the built dockslim over every Dockerfile in corpus/ (real files gathered from public
# repositories; git ignores the folder, see corpus/SOURCES.tsv) and prints the report:
# parsed, rewritten, left as is by reason, errors, panics. A developer tool, not part of CI.
#
# Each file is copied into a directory of its own and split with --stdout; a rewrite is
# split again to check it is left alone. A panic shows as exit code 101 and is counted,
# never hidden. Two passes:
#   bare  the Dockerfile alone (detection sees nothing else);
#   stub  beside a minimal project of the language its FROM image names (go.mod + main.go,
#         Cargo.toml + src/main.rs, package.json + lock), so the language modules run too.
#
#   scripts/corpus.sh            # report
#   scripts/corpus.sh -v         # also list every file with its outcome
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/corpus"
verbose=${1:-}

if [ ! -d "$corpus" ] || [ -z "$(find "$corpus" -maxdepth 1 -type f ! -name SOURCES.tsv -print -quit)" ]; then
    echo "corpus.sh: no corpus at $corpus (it is not committed; see docs/robustness.md to gather one)"
    exit 0
fi

bin="$root/target/release/dockslim"
if [ ! -x "$bin" ] || [ -n "$(find "$root/src" "$root/templates" -newer "$bin" -print -quit 2>/dev/null)" ]; then
    (cd "$root" && cargo build --release --quiet) || { echo "corpus.sh: build failed"; exit 2; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# stub DIR DOCKERFILE: a minimal project for the language the FROM images name.
stub() {
    local dir=$1 images
    images=$(grep -iE '^[[:space:]]*from[[:space:]]' "$2" | tr 'A-Z' 'a-z')
    case "$images" in
        *golang*|*go:*)
            printf 'module example.com/app\n\ngo 1.22\n' >"$dir/go.mod"
            printf 'package main\n\nfunc main() {}\n' >"$dir/main.go" ;;
    esac
    case "$images" in
        *rust*|*cargo*)
            printf '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n' >"$dir/Cargo.toml"
            printf 'version = 3\n' >"$dir/Cargo.lock"
            mkdir -p "$dir/src" && printf 'fn main() {}\n' >"$dir/src/main.rs" ;;
    esac
    case "$images" in
        *node*)
            printf '{"name":"app","scripts":{"build":"tsc","start":"node dist/index.js"}}\n' >"$dir/package.json"
            printf '{"lockfileVersion":3}\n' >"$dir/package-lock.json"
            printf '# yarn lockfile v1\n' >"$dir/yarn.lock" ;;
    esac
}

run_pass() {
local mode=$1
total=0 parsed=0 rewritten=0 left=0 errors=0 panics=0 unstable=0
reasons=() errkinds=()
list=()

for f in "$corpus"/*; do
    name=$(basename "$f")
    [ "$name" = SOURCES.tsv ] && continue
    [ -f "$f" ] || continue
    total=$((total + 1))
    dir="$work/$mode-$total"
    mkdir -p "$dir"
    cp "$f" "$dir/Dockerfile"
    [ "$mode" = stub ] && stub "$dir" "$f"
    (cd "$dir" && "$bin" split --stdout Dockerfile >"$dir/out" 2>"$dir/err")
    code=$?
    err=$(head -c 2000 "$dir/err")
    if [ $code -eq 101 ] || grep -q "panicked" "$dir/err"; then
        panics=$((panics + 1))
        outcome="PANIC: $(grep -m1 panicked "$dir/err")"
    elif [ $code -eq 2 ]; then
        errors=$((errors + 1))
        msg=${err#*: error: }
        msg=$(printf '%s' "$msg" | head -n1)
        case "$msg" in
            parse\ error*) kind="parse error" ;;
            *) kind=$(printf '%s' "$msg" | sed -E 's/[0-9]+/N/g') ;;
        esac
        [ "$kind" != "parse error" ] && parsed=$((parsed + 1))
        errkinds["$kind"]=$(( ${errkinds["$kind"]:-0} + 1 ))
        outcome="error: $msg"
    elif grep -q ": left as is: " "$dir/err"; then
        parsed=$((parsed + 1))
        left=$((left + 1))
        why=$(sed -n 's/^[^:]*: left as is: //p' "$dir/err" | head -n1)
        # Group reasons: drop line numbers, names and quoted details.
        key=$(printf '%s' "$why" | sed -E 's/ at line [0-9]+//g; s/\([0-9]+ stages\)/(N stages)/; s/\([^N][^)]*\)/(…)/g; s/`[^`]*`/`…`/g; s/"[^"]*"/"…"/g; s/ [0-9]+/ N/g')
        reasons["$key"]=$(( ${reasons["$key"]:-0} + 1 ))
        outcome="left as is: $why"
    elif [ $code -eq 0 ]; then
        parsed=$((parsed + 1))
        rewritten=$((rewritten + 1))
        outcome="rewritten"
        # A second split must leave the output alone.
        cp "$dir/out" "$dir/Dockerfile"
        (cd "$dir" && "$bin" split --check Dockerfile >/dev/null 2>"$dir/err2")
        code2=$?
        if [ $code2 -eq 101 ]; then
            panics=$((panics + 1))
            outcome="rewritten, then PANIC on the second split"
        elif [ $code2 -ne 0 ] || ! grep -q "already multi-stage" "$dir/err2"; then
            unstable=$((unstable + 1))
            outcome="rewritten, but the second split did something: $(head -n1 "$dir/err2")"
        fi
    else
        errors=$((errors + 1))
        errkinds["exit $code"]=$(( ${errkinds["exit $code"]:-0} + 1 ))
        outcome="exit $code: $err"
    fi
    list+=("$name	$outcome")
done

if [ "$verbose" = "-v" ]; then
    printf '%s\n' "${list[@]}"
    echo
fi

echo "### $mode: $(if [ "$mode" = bare ]; then echo "each Dockerfile alone"; else echo "each Dockerfile beside a stub project"; fi)"
echo
echo "| corpus files | $total |"
echo "|---|---|"
echo "| parsed | $parsed |"
echo "| rewritten | $rewritten |"
echo "| left as is | $left |"
echo "| errors | $errors |"
echo "| panics | $panics |"
echo "| rewrites a second split changed | $unstable |"
echo
echo "| left as is: reason | files |"
echo "|---|---|"
for k in "${!reasons[@]}"; do printf '| %s | %s |\n' "$k" "${reasons[$k]}"; done | sort -t'|' -k3 -rn
if [ $errors -gt 0 ]; then
    echo
    echo "| error | files |"
    echo "|---|---|"
    for k in "${!errkinds[@]}"; do printf '| %s | %s |\n' "$k" "${errkinds[$k]}"; done | sort -t'|' -k3 -rn
fi
echo
[ $panics -eq 0 ] && [ $unstable -eq 0 ]
}

declare -A reasons errkinds
status=0
run_pass bare || status=1
run_pass stub || status=1
exit $status
