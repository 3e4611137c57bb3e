#!/usr/bin/env python3
"""Writes the deterministic input memory of every benchmark program to
Benchmarks/programs/NAME.mem (committed; rerun to regenerate byte for byte)."""
import os
import struct
import sys

MASK = (1 << 64) - 1


def splitmix64(seed):
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def random_bytes(count, seed):
    stream = splitmix64(seed)
    out = bytearray()
    while len(out) < count:
        out += struct.pack("<Q", next(stream))
    return bytes(out[:count])


def strings(count, seed):
    """32-byte records: a NUL-terminated string of 'a'/'b' (long shared prefixes)."""
    stream = splitmix64(seed)
    out = bytearray()
    for _ in range(count):
        value = next(stream)
        length = 8 + value % 20
        text = bytes(b"ab"[(value >> (8 + k)) & 1] if k > 12 else ord("a") for k in range(length))
        out += text + bytes(32 - len(text))
    return bytes(out)


def packet():
    """Ethernet + 802.1Q VLAN + IPv4 with one option word + TCP, 64 bytes."""
    eth = bytes.fromhex("020000000001" "020000000002" "8100" "0064" "0800")
    ip = bytes.fromhex("46000030" "12344000" "4006" "0000" "c0a80001" "0a000002" "01010101")
    tcp = bytes.fromhex("c3500050" "00000001" "00000000" "50020000" "00000000")
    frame = eth + ip + tcp
    return frame + bytes(64 - len(frame))


def tcp_packet():
    """Ethernet + IPv4 (no options) + TCP SYN, 64 bytes."""
    eth = bytes.fromhex("020000000001" "020000000002" "0800")
    ip = bytes.fromhex("45000028" "12344000" "4006" "0000" "c0a80001" "0a000002")
    tcp = bytes.fromhex("c3500050" "00000001" "00000000" "50020000" "00000000")
    frame = eth + ip + tcp
    return frame + bytes(64 - len(frame))


INPUTS = {
    "alu_loop": lambda: random_bytes(64, 1),
    "muldiv": lambda: random_bytes(64, 2),
    "fnv1a": lambda: random_bytes(4096, 3),
    "sum64": lambda: random_bytes(4096, 4),
    "sort": lambda: random_bytes(4096, 5),
    "sieve": lambda: random_bytes(64, 6),
    "branches": lambda: random_bytes(4096, 7),
    "str_compare": lambda: strings(128, 8),
    "packet": packet,
    "large": lambda: random_bytes(64, 9),
    "map_array": lambda: random_bytes(4096, 10),
    "map_hash": lambda: random_bytes(4096, 11),
    "trivial": lambda: random_bytes(64, 12),
    "stack": lambda: random_bytes(64, 13),
    "parser": tcp_packet,
    "map_lookup": tcp_packet,
}

if __name__ == "__main__":
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "Benchmarks", "programs")
    for name, make in INPUTS.items():
        with open(os.path.join(directory, name + ".mem"), "wb") as handle:
            handle.write(make())
