#!/usr/bin/env bash
# Rebuilds the committed example objects (and the loader's test fixtures) from their C sources.
# Needs a clang with the BPF target (the Swift toolchain's clang has it). The tests use the
# committed .o files and never need clang.
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
for source in packet_counter port_filter ringbuf_events; do
    "$CLANG" -target bpf -O2 -g -c "$source.c" -o "$source.o"
done
fixtures=../../Tests/EBPFRuntimeTests/Fixtures
for source in "$fixtures"/*.c; do
    "$CLANG" -target bpf -O2 -g -I . -c "$source" -o "${source%.c}.o"
done
# The sample packets in packets/ (Ethernet frames) are committed as they are; docs/runtime.md
# says what each holds.
