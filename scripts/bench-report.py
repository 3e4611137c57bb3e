#!/usr/bin/env python3
"""Turns the JSON of scripts/bench-run.sh (an array of `ebpf bench --json` reports) into the
Markdown tables of docs/benchmarks.md (printed, and written to Benchmarks/results/table.md): run
times against native, and preparation times with the JIT's phases; and an SVG chart
(docs/benchmarks-chart.svg): ns per run of each engine, log scale."""
import json
import math
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
COLOURS = {"interpreter": "#d95f02", "jit": "#1b9e77", "native": "#7570b3"}


def median(report, engine):
    for entry in report["engines"]:
        if entry["engine"] == engine:
            return entry["timing"]["medianNs"]
    return None


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def fmt(value, digits=1):
    if value is None:
        return "–"
    if value >= 100000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def name_of(report):
    return os.path.splitext(os.path.basename(report["program"]))[0]


def table(reports):
    """Run times: the engines against native, per program, and geometric means of the ratios
    over the programs without maps (plain C against the same C) and over all of them."""
    lines = [
        "| program | instructions | maps | verified | interpreter ns | JIT ns | native ns | JIT/native | interpreter/JIT | interpreter/native | code bytes |",
        "| --- | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in reports:
        lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            name_of(r), r["instructions"], r.get("maps", 0), "yes" if r["verified"] else "no",
            fmt(median(r, "interpreter")), fmt(median(r, "jit")), fmt(median(r, "native")),
            fmt(r.get("jitOverNative"), 2) + "×", fmt(r.get("interpreterOverJIT"), 1) + "×",
            fmt(r.get("interpreterOverNative"), 1) + "×", r.get("codeBytes", "–")))
    groups = [("without maps", [r for r in reports if not r.get("maps", 0)]), ("all", reports)]
    for label, group in groups:
        if not group or (label == "all" and len(group) == len(groups[0][1])):
            continue
        jn = geomean([r.get("jitOverNative") for r in group])
        ij = geomean([r.get("interpreterOverJIT") for r in group])
        inat = geomean([r.get("interpreterOverNative") for r in group])
        lines.append(f"| **geometric mean, {label}** ({len(group)}) | | | | | | | **{fmt(jn, 2)}×** | **{fmt(ij, 1)}×** | **{fmt(inat, 1)}×** | |")
    return "\n".join(lines)


def us(value):
    """Nanoseconds as microseconds (two decimals below 10 µs)."""
    if value is None:
        return "–"
    micro = value / 1000
    return fmt(micro, 2 if micro < 10 else 1)


def phases(reports):
    """Preparation times in µs: decode, verify, the interpreter's table, and the JIT's phases
    (each the median over the same compilations; the total is timed from outside)."""
    lines = [
        "| program | instructions | decode | verify | interpreter prepare | JIT analysis | address analysis | emission | branch relaxation | executable mapping | JIT total |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in reports:
        c = r["compile"]
        lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            name_of(r), r["instructions"], us(c.get("decodeNs")), us(c.get("verifyNs")),
            us(c.get("interpreterPrepareNs")), us(c.get("jitAnalysisNs")), us(c.get("jitAddressAnalysisNs")),
            us(c.get("jitEmissionNs")), us(c.get("jitBranchRelaxationNs")), us(c.get("jitExecutableMappingNs")),
            us(c.get("jitCompileNs"))))
    return "\n".join(lines)


def chart(reports, path):
    engines = ["interpreter", "jit", "native"]
    names = [name_of(r) for r in reports]
    values = [[median(r, e) for e in engines] for r in reports]
    all_values = [v for row in values for v in row if v]
    low = 10 ** math.floor(math.log10(min(all_values)))
    high = 10 ** math.ceil(math.log10(max(all_values)))
    left, top, bar, gap, width = 110, 40, 9, 10, 620
    height = top + len(reports) * (3 * bar + gap) + 40
    span = math.log10(high) - math.log10(low)

    def x(value):
        return left + width * (math.log10(value) - math.log10(low)) / span

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 30}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="16" font-size="13">ns per run, log scale (median; lower is better)</text>']
    decade = low
    while decade <= high:
        px = x(decade)
        out.append(f'<line x1="{px:.1f}" y1="{top - 6}" x2="{px:.1f}" y2="{height - 30}" stroke="#ddd"/>')
        out.append(f'<text x="{px:.1f}" y="{height - 16}" text-anchor="middle">{decade:g}</text>')
        decade *= 10
    for index, (name, row) in enumerate(zip(names, values)):
        y0 = top + index * (3 * bar + gap)
        out.append(f'<text x="{left - 6}" y="{y0 + 1.5 * bar + 4}" text-anchor="end">{name}</text>')
        for k, (engine, value) in enumerate(zip(engines, row)):
            if not value:
                continue
            out.append(f'<rect x="{left}" y="{y0 + k * bar}" width="{max(x(value) - left, 1):.1f}" height="{bar - 1}" fill="{COLOURS[engine]}"/>')
    for k, engine in enumerate(engines):
        lx = left + 300 + k * 100
        out.append(f'<rect x="{lx}" y="6" width="10" height="10" fill="{COLOURS[engine]}"/><text x="{lx + 14}" y="15">{engine}</text>')
    out.append("</svg>")
    with open(path, "w") as handle:
        handle.write("\n".join(out) + "\n")


if __name__ == "__main__":
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Benchmarks", "results", "results.json")
    with open(source) as handle:
        reports = json.load(handle)
    markdown = table(reports) + "\n\nPreparation, µs (median):\n\n" + phases(reports)
    print(markdown)
    with open(os.path.join(ROOT, "Benchmarks", "results", "table.md"), "w") as handle:
        handle.write(markdown + "\n")
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    chart(reports, os.path.join(ROOT, "docs", "benchmarks-chart.svg"))
