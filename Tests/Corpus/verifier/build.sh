#!/usr/bin/env bash
# Rebuilds the verifier corpus objects from their C sources with clang -O2 -target bpf (the Swift
# toolchain's clang has the BPF target). The tests use the committed .o files and never need clang.
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
for source in *.c; do
    "$CLANG" -target bpf -O2 -g -c "$source" -o "${source%.c}.o"
done
