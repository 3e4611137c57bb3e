#!/usr/bin/env python3
"""Compile time against program size (issue #14: linear up to 1,000,000 instructions).

Generates synthetic eBPF programs of several shapes and sizes (raw bytecode, `.bin`, with a
64-byte input `.mem` beside each), runs `ebpf bench PROGRAM --engine jit --samples 1
--iterations 1 --json` on each, verified and `--unverified`, and prints the JIT's compile time
per instruction (ns per slot) with its phases, and the verifier's time.

Usage:
    swift build -c release --product ebpf
    python3 scripts/compile-scaling.py --ebpf .build/release/ebpf [--sizes 1000,1000000]
        [--shapes straight,ifchain] [--rounds 3] [--out DIR] [--json FILE] [--generate-only]

Each figure is the minimum over `--rounds` runs of `ebpf bench`'s median (noise on a shared
machine only ever adds time). The shapes (every program is exactly SIZE slots, `exit` included):

    straight  ALU on R0-R5 (add, xor, mul, shifts; registers and immediates rotate)
    ifchain   4-slot blocks: a conditional forward jump over two ALU instructions
              (every eighth block jumps over the next block as well), on input values
    loops     small counted loops (2-5 ALU instructions, 3 iterations): one back-edge
              per 5-8 slots
    memory    loads from the input (R1, all widths), stores and loads on the stack, a
              pointer into the input moved by constants (9-slot blocks)
    calls     helper 5 (identity) every 8 slots; R6-R9 live across every call
    pressure  R0-R9 all live from the start to the end: every instruction reads two of them
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

MASK32 = 0xFFFFFFFF


def insn(opcode, dst=0, src=0, offset=0, imm=0):
    return struct.pack("<BBhi", opcode, (src << 4) | dst, offset, imm_i32(imm))


def imm_i32(value):
    value &= MASK32
    return value - (1 << 32) if value & 0x80000000 else value


EXIT = 0x95
ALU_X = {"add": 0x0F, "sub": 0x1F, "mul": 0x2F, "or": 0x4F, "and": 0x5F, "xor": 0xAF, "mov": 0xBF}
ALU_K = {"add": 0x07, "sub": 0x17, "mul": 0x27, "or": 0x47, "and": 0x57, "lsh": 0x67, "rsh": 0x77,
         "xor": 0xA7, "mov": 0xB7, "arsh": 0xC7}
JMP_K = [0x25, 0x15, 0x55, 0x45, 0xC5, 0x35, 0xA5, 0x65]  # jgt jeq jne jset jslt jge jlt jsgt
LDX = {1: 0x71, 2: 0x69, 4: 0x61, 8: 0x79}
STX = {1: 0x73, 2: 0x6B, 4: 0x63, 8: 0x7B}


def load_inputs(registers):
    """R6 = R1, then each register in `registers` = a different 8-byte word of the input."""
    out = [insn(ALU_X["mov"], 6, 1)]
    for index, register in enumerate(registers):
        out.append(insn(LDX[8], register, 6, 8 * (index % 8)))
    return out


def fold_into_r0(registers):
    return [insn(ALU_X["xor"], 0, register) for register in registers if register != 0]


def straight(size):
    out = [insn(ALU_K["mov"], r, 0, 0, 0x1234567 * (r + 1)) for r in range(6)]
    ops = ["addx", "xorx", "mulx", "rsh", "addk", "lsh"]
    while len(out) < size - 1:
        index = len(out)
        dst, src, op = index % 6, (index // 6) % 6, ops[index % 6]
        if op in ("rsh", "lsh"):
            out.append(insn(ALU_K[op], dst, 0, 0, index % 63 + 1))
        elif op == "addk":
            out.append(insn(ALU_K["add"], dst, 0, 0, index * 2654435761))
        else:
            out.append(insn(ALU_X[op[:-1]], dst, src))
    return out + [insn(EXIT)]


def ifchain(size):
    registers = [0, 1, 2, 3, 4, 5]
    out = load_inputs(registers)
    tail = fold_into_r0(registers) + [insn(EXIT)]
    block = 0
    while len(out) + 8 + len(tail) <= size:
        a, b, c = block % 6, (block + 1) % 6, (block + 2) % 6
        far = block % 8 == 7  # also jump over the next block
        jump = JMP_K[block % len(JMP_K)]
        out.append(insn(jump, a, 0, 6 if far else 2, block * 40503 % 1000))
        # The skipped instructions change b and c; the landing instruction rewrites a without
        # reading it, so both paths reach the join with unknown values only (the bounded
        # verifier prunes the second one).
        out.append(insn(ALU_X["add"], b, c))
        out.append(insn(ALU_X["xor"], c, b if block % 2 else a))
        out.append(insn(ALU_X["mov"], a, c))
        block += 1
    while len(out) + len(tail) < size:
        out.append(insn(ALU_X["add"], 0, 1))
    return out + tail


def loops(size):
    registers = [0, 1, 2, 3, 4, 5]
    out = load_inputs(registers)
    tail = fold_into_r0(registers) + [insn(EXIT)]
    loop = 0
    while True:
        body = 2 + loop % 4
        if len(out) + body + 3 + len(tail) > size:
            break
        out.append(insn(ALU_K["mov"], 7, 0, 0, 3))
        for step in range(body):
            dst = (loop + step) % 6
            out.append(insn(ALU_X["add" if step % 2 == 0 else "xor"], dst, (dst + 1) % 6))
        out.append(insn(ALU_K["sub"], 7, 0, 0, 1))
        out.append(insn(0x55, 7, 0, -(body + 2), 0))  # jne r7, 0, back to the body
        loop += 1
    while len(out) + len(tail) < size:
        out.append(insn(ALU_X["add"], 0, 1))
    return out + tail


def memory(size):
    # R1 stays the input pointer; the stack's 64 words are written before anything reads them.
    out = [insn(ALU_K["mov"], r, 0, 0, r + 1) for r in (0, 2, 3, 4, 5)]
    out += [insn(STX[8], 10, 2, -8 * (slot + 1)) for slot in range(64)]
    tail = [insn(EXIT)]
    index = 0
    while len(out) + 9 + len(tail) <= size:
        width = (1, 2, 4, 8)[index % 4]
        offset = (index * 8) % (64 - width + 1) // width * width
        d = 2 + index % 4
        slot = -8 * (1 + index % 64)
        out.append(insn(LDX[width], d, 1, offset))                     # ldx rD, [r1 + off]
        out.append(insn(ALU_X["add"], 0, d))
        out.append(insn(STX[8], 10, 0, slot))                          # stxdw [r10 - s], r0
        out.append(insn(LDX[8], d, 10, -8 * (1 + (index * 7 + 3) % 64)))  # ldxdw rD, [r10 - s']
        out.append(insn(ALU_X["xor"], 0, d))
        out.append(insn(ALU_X["mov"], 6, 1))                           # r6 = r1 + k
        out.append(insn(ALU_K["add"], 6, 0, 0, 8 * (index % 4)))
        out.append(insn(LDX[4], 7, 6, 4 * (index % 8)))                # ldxw r7, [r6 + off]
        out.append(insn(ALU_X["add"], 0, 7))
        index += 1
    while len(out) + len(tail) < size:
        out.append(insn(ALU_X["add"], 0, 7))
    return out + tail


def calls(size):
    out = [insn(ALU_K["mov"], r, 0, 0, r * 1000003) for r in (6, 7, 8, 9)]
    tail = [insn(ALU_X["mov"], 0, 6)] + fold_into_r0([7, 8, 9]) + [insn(EXIT)]
    index = 0
    while len(out) + 8 + len(tail) <= size:
        a, b = 6 + index % 4, 6 + (index + 1) % 4
        out.append(insn(ALU_X["mov"], 1, a))
        out.append(insn(0x85, 0, 0, 0, 5))                  # call 5 (identity)
        out.append(insn(ALU_X["add"], b, 0))
        out.append(insn(ALU_X["mov"], 2, b))                # R2-R5: short ranges between calls
        out.append(insn(ALU_K["lsh"], 2, 0, 0, 1 + index % 7))
        out.append(insn(ALU_X["xor"], a, 2))
        out.append(insn(ALU_X["mul"], 6 + (index + 2) % 4, a))
        out.append(insn(ALU_X["add"], 6 + (index + 3) % 4, b))
        index += 1
    while len(out) + len(tail) < size:
        out.append(insn(ALU_X["add"], 6, 7))
    return out + tail


def pressure(size):
    registers = list(range(10))
    out = [insn(ALU_K["mov"], r, 0, 0, 0x9E3779B9 * (r + 1)) for r in registers]
    tail = fold_into_r0(registers) + [insn(EXIT)]
    ops = ["add", "xor", "sub", "or", "mul", "add", "xor"]
    index = 0
    while len(out) + len(tail) < size:
        dst = index % 10
        src = (index * 3 + 7) % 10
        if src == dst:
            src = (src + 1) % 10
        out.append(insn(ALU_X[ops[index % len(ops)]], dst, src))
        index += 1
    return out + tail


SHAPES = {"straight": straight, "ifchain": ifchain, "loops": loops, "memory": memory, "calls": calls,
          "pressure": pressure}


def generate(directory, shape, size):
    code = SHAPES[shape](size)
    assert len(code) == size, (shape, size, len(code))
    path = os.path.join(directory, f"{shape}-{size}.bin")
    with open(path, "wb") as handle:
        handle.write(b"".join(code))
    with open(path[:-4] + ".mem", "wb") as handle:
        handle.write(bytes((index * 37 + 11) & 0xFF for index in range(64)))
    return path


def bench(ebpf, path, unverified):
    command = [ebpf, "bench", path, "--engine", "jit", "--samples", "1", "--iterations", "1", "--json"]
    if unverified:
        command.append("--unverified")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["?"])[0]}
    return json.loads(result.stdout)


PHASES = [("total", "jitCompileNs"), ("analysis", "jitAnalysisNs"), ("addresses", "jitAddressAnalysisNs"),
          ("emission", "jitEmissionNs"), ("relaxation", "jitBranchRelaxationNs"),
          ("mapping", "jitExecutableMappingNs"), ("verify", "verifyNs")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ebpf", default=".build/release/ebpf")
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--modes", default="verified,unverified")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", help="directory for the generated programs (default: a temporary one)")
    parser.add_argument("--json", help="write every measurement to this file")
    parser.add_argument("--generate-only", action="store_true")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    shapes = arguments.shapes.split(",")
    modes = arguments.modes.split(",")
    directory = arguments.out or tempfile.mkdtemp(prefix="compile-scaling-")
    os.makedirs(directory, exist_ok=True)
    paths = {(shape, size): generate(directory, shape, size) for shape in shapes for size in sizes}
    if arguments.generate_only:
        print(directory)
        return
    rows = []
    print("| shape | mode | slots | code bytes | JIT ns/slot | analysis | addresses | emission | relaxation"
          " | mapping | verify ns/slot |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for shape in shapes:
        for mode in modes:
            for size in sizes:
                best = {}
                report = None
                for _ in range(arguments.rounds):
                    report = bench(arguments.ebpf, paths[(shape, size)], mode == "unverified")
                    if "error" in report:
                        break
                    for name, key in PHASES:
                        value = report["compile"].get(key)
                        if value is not None:
                            best[name] = min(best.get(name, value), value)
                row = {"shape": shape, "mode": mode, "slots": size, "ns": best,
                       "codeBytes": report.get("codeBytes"), "verified": report.get("verified"),
                       "error": report.get("error")}
                rows.append(row)
                if "error" in report:
                    print(f"| {shape} | {mode} | {size:,} | | {report['error']} | | | | | | |", flush=True)
                    continue
                cells = [f"{best[name] / size:.1f}" if name in best else "–" for name, _ in PHASES]
                print(f"| {shape} | {mode} | {size:,} | {report['codeBytes']:,} | " + " | ".join(cells) + " |",
                      flush=True)
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    sys.exit(main())
