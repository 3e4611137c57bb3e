#!/usr/bin/env bash
# Rebuilds the XDP corpus objects from their C sources with clang -O2 -target bpf (the Swift
# toolchain's clang has the BPF target) against the kernel's UAPI headers (linux/bpf.h and
# friends; asm/ from the multiarch directory). The tests use the committed .o files and never
# need clang.
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
ARCH_INCLUDE=${ARCH_INCLUDE:-/usr/include/$(uname -m)-linux-gnu}
for source in *.c; do
    "$CLANG" -target bpf -O2 -g -I "$ARCH_INCLUDE" -c "$source" -o "${source%.c}.o"
done
