#!/bin/sh
# Runs `ebpf bench --engine all --native` (release build) on every benchmark program and writes
# one JSON array to Benchmarks/results/results.json, then the table and chart (bench-report.py).
# Usage: scripts/bench-run.sh [extra ebpf bench options, e.g. --samples 21]
# Needs scripts/bench-build.sh to have built Benchmarks/.native/libbench.so.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -f Benchmarks/.native/libbench.so ] || scripts/bench-build.sh
swift build -c release --product ebpf
ebpf="$root/.build/release/ebpf"
mkdir -p Benchmarks/results
out=Benchmarks/results/results.json
status=0
{
    echo "["
    first=1
    for source in Benchmarks/programs/*.c; do
        [ $first -eq 1 ] || echo ","
        first=0
        # The bytecode, or for a map program its ELF object (linked against its maps).
        program=${source%.c}.bin
        [ -f "$program" ] || program=${source%.c}.o
        # A rejected program (loop too long to walk, variable context offsets) runs unverified,
        # with all run-time checks; the report says so.
        "$ebpf" bench "$program" --engine all --native Benchmarks/.native/libbench.so --fallback-unverified --json "$@" || status=1
    done
    echo "]"
} > "$out.tmp"
mv "$out.tmp" "$out"
python3 scripts/bench-report.py "$out"
exit $status
