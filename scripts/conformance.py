#!/usr/bin/env python3
"""Drives an eBPF conformance plugin over the corpus, as the official bpf_conformance runner does.

For each `.data` case: the program bytes come from `-- raw` when present, else from assembling
`-- asm` with `ebpf asm`; the plugin is started as `PLUGIN [MEMHEX] [options...]` with the program
on stdin as one line of hex bytes, and must print R0 in hex and exit 0.

Usage: scripts/conformance.py --ebpf .build/debug/ebpf --plugin .build/debug/ebpf-conformance-plugin
       [--tests ../shared/conformance/tests] [-- PLUGIN OPTIONS...]
Prints one line per failure and a closing `N passed, N failed`; exits 1 on any failure.
"""
import argparse, os, subprocess, sys, tempfile


def sections(text):
    out, name = {}, None
    for line in text.splitlines():
        if line.startswith("-- "):
            name = line[3:].strip()
            out[name] = []
        elif name is not None:
            out[name].append(line)
    return out


def strip_comment(line):
    return line.split("#", 1)[0].strip()


def program_bytes(ebpf, sec, workdir):
    if "raw" in sec:
        words = [int(strip_comment(l), 0) for l in sec["raw"] if strip_comment(l)]
        return b"".join(w.to_bytes(8, "little") for w in words)
    src = os.path.join(workdir, "case.s")
    out = os.path.join(workdir, "case.bin")
    with open(src, "w") as f:
        f.write("\n".join(sec["asm"]) + "\n")
    subprocess.run([ebpf, "asm", src, "-o", out], check=True, capture_output=True)
    with open(out, "rb") as f:
        return f.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ebpf", required=True)
    parser.add_argument("--plugin", required=True)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--tests", default=os.path.join(here, "..", "..", "shared", "conformance", "tests"))
    parser.add_argument("plugin_options", nargs="*")
    args = parser.parse_args()
    if not os.path.isdir(args.tests):
        print(f"conformance corpus not found at {args.tests}: skipped")
        return 0
    passed, failed = 0, 0
    with tempfile.TemporaryDirectory() as workdir:
        for name in sorted(os.listdir(args.tests)):
            if not name.endswith(".data"):
                continue
            with open(os.path.join(args.tests, name)) as f:
                sec = sections(f.read())
            expected = int(" ".join(strip_comment(l) for l in sec["result"] if strip_comment(l)), 0)
            try:
                code = program_bytes(args.ebpf, sec, workdir)
            except subprocess.CalledProcessError as e:
                print(f"FAIL {name}: could not assemble: {e.stderr.decode().strip()}")
                failed += 1
                continue
            mem = "".join("".join(strip_comment(l).split()) for l in sec.get("mem", []))
            argv = [args.plugin] + ([mem] if mem else []) + args.plugin_options
            stdin = "".join(f"{b:02x}  " for b in code) + "\n"
            run = subprocess.run(argv, input=stdin.encode(), capture_output=True)
            out = run.stdout.decode().strip()
            if run.returncode != 0:
                print(f"FAIL {name}: plugin exited {run.returncode}: {run.stderr.decode().strip()}")
                failed += 1
                continue
            got = int(out, 16) if out else None
            if got == expected:
                passed += 1
            else:
                print(f"FAIL {name}: expected {expected:#x}, got {out!r}")
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
