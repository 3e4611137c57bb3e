#!/bin/sh
# Runs `ebpf bench --engine all --native` (release build) on every benchmark program and writes
# one JSON array to Benchmarks/results/results.json, then the tables and chart (bench-report.py):
# Benchmarks/results/table.md and docs/benchmarks-chart.svg. One command regenerates everything.
# Usage: scripts/bench-run.sh [extra ebpf bench options, e.g. --samples 21]
# Rebuilds the programs and Benchmarks/.native/libbench.so (scripts/bench-build.sh) when the
# library is missing or older than a C source.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
library=Benchmarks/.native/libbench.so
if [ ! -f "$library" ] || [ -n "$(find Benchmarks/programs -name '*.[ch]' -newer "$library")" ]; then
    scripts/bench-build.sh
fi
swift build -c release --product ebpf
ebpf="$root/.build/release/ebpf"
mkdir -p Benchmarks/results
out=Benchmarks/results/results.json
status=0
echo "[" > "$out.tmp"
first=1
for source in Benchmarks/programs/*.c; do
    # The bytecode, or for a map program its ELF object (linked against its maps).
    program=${source%.c}.bin
    [ -f "$program" ] || program=${source%.c}.o
    # A rejected program (loop too long to walk, variable context offsets) runs unverified,
    # with all run-time checks; the report says so. A failing program is left out of the
    # results (and the exit status is 1), so the JSON stays valid.
    if "$ebpf" bench "$program" --engine all --native "$library" --fallback-unverified --json "$@" > "$out.one"; then
        [ $first -eq 1 ] || echo "," >> "$out.tmp"
        first=0
        cat "$out.one" >> "$out.tmp"
    else
        echo "bench-run.sh: $program failed" >&2
        status=1
    fi
done
echo "]" >> "$out.tmp"
rm -f "$out.one"
mv "$out.tmp" "$out"
python3 scripts/bench-report.py "$out"
exit $status
