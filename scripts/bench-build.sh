#!/bin/sh
# Rebuilds the benchmark programs from Benchmarks/programs/*.c:
#   NAME.o    eBPF object   (clang -target bpf -O2 -mcpu=v3), committed
#   NAME.bin  its .text section as raw bytecode (llvm-objcopy), committed; not for the map
#             programs (map_*.c): their maps need the ELF loader, so `ebpf bench` takes the .o
#             (built with -g: the maps are BTF-defined)
#   NAME.mem  the deterministic input memory (scripts/bench-inputs.py), committed
#   Benchmarks/.native/libbench.so  the same C compiled natively (clang -O2), NOT committed
# Usage: scripts/bench-build.sh   (CLANG / OBJCOPY override the tools)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
programs="$root/Benchmarks/programs"
native="$root/Benchmarks/.native"
CLANG=${CLANG:-$(command -v clang)}
OBJCOPY=${OBJCOPY:-$(command -v llvm-objcopy)}
mkdir -p "$native"
for source in "$programs"/*.c; do
    name=$(basename "$source" .c)
    case "$name" in
    map_*)
        # Paths in the debug info relative to the repository, so the object is the same wherever
        # the repository is checked out.
        "$CLANG" -target bpf -O2 -mcpu=v3 -g -fno-builtin -ffile-prefix-map="$root/=" -fdebug-compilation-dir=. \
            -c "$source" -o "$programs/$name.o"
        rm -f "$programs/$name.bin"
        ;;
    *)
        "$CLANG" -target bpf -O2 -mcpu=v3 -g0 -fno-builtin -c "$source" -o "$programs/$name.o"
        "$OBJCOPY" -O binary --only-section=.text "$programs/$name.o" "$programs/$name.bin"
        ;;
    esac
done
"$CLANG" -O2 -shared -fPIC -o "$native/libbench.so" "$programs"/*.c
python3 "$root/scripts/bench-inputs.py" "$programs"
for source in "$programs"/*.c; do
    name=$(basename "$source" .c)
    if [ -f "$programs/$name.bin" ]; then
        echo "$name: $(($(wc -c < "$programs/$name.bin") / 8)) instructions, $(wc -c < "$programs/$name.mem") bytes of input"
    else
        echo "$name: ELF object with maps, $(wc -c < "$programs/$name.mem") bytes of input"
    fi
done
