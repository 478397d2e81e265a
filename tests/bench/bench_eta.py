"""The ETA against the run it priced (issue 41: within ±25 % of the measured wall).

Reads a finished run's console (what ``snakemake`` printed: the "mnist-dreams: ETA …" line before
the first job, and the timestamps of the first job's start and the last job's end) and, where the
run had ``MNIST_DREAMS_ETA_TABLE`` set, its priced plan, which it compares per rule with the
jobs' ``benchmarks/``.

    MNIST_DREAMS_ETA_TABLE=eta_plan.tsv snakemake --cores 2 ... > console.txt 2>&1
    python tests/bench/bench_eta.py --workdir . --console console.txt [--plan eta_plan.tsv] [--markdown]
"""

from __future__ import annotations

import argparse
import csv
import platform
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workflow import jobs_in_log  # noqa: E402

ETA_LINE = re.compile(r"^mnist-dreams: ETA (?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)? for (\d+) jobs on (\d+) cores")


def predicted(console_text):
    """(seconds, jobs, cores) of the console's first ETA line."""
    for line in console_text.splitlines():
        if m := ETA_LINE.match(line):
            h, mi, s = (int(g or 0) for g in m.group(1, 2, 3))
            return 3600 * h + 60 * mi + s, int(m[4]), int(m[5])
    raise SystemExit("no 'mnist-dreams: ETA' line in the console")


def per_rule(workdir, plan):
    """{rule: [jobs, priced s, measured s]} from the plan table and the benchmarks it names."""
    out = {}
    with open(plan) as f:
        table = list(csv.DictReader(f, delimiter="\t"))
    for row in table:
        bench = Path(workdir, row["benchmark"]) if row["benchmark"] else None
        if bench is None or not bench.is_file():
            continue
        s = float(bench.read_text().splitlines()[1].split("\t")[0])
        r = out.setdefault(row["rule"], [0, 0.0, 0.0])
        r[0], r[1], r[2] = r[0] + 1, r[1] + float(row["price_s"]), r[2] + s
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default=".")
    ap.add_argument("--console", required=True)
    ap.add_argument("--plan")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    text = Path(a.console).read_text()
    eta_s, n_jobs, cores = predicted(text)
    jobs = jobs_in_log(text).values()
    wall = (max(j["end"] for j in jobs) - min(j["start"] for j in jobs)).total_seconds()
    sep = " | " if a.markdown else "  "
    print(f"CPU: {platform.processor() or platform.machine()}, {cores} cores; {n_jobs} jobs planned, {len(jobs)} ran")
    if a.plan:
        rows = sorted(per_rule(a.workdir, a.plan).items(), key=lambda kv: -kv[1][2])
        print(sep.join(["rule", "jobs", "priced s", "measured s", "measured/priced"]))
        for rule, (n, p, m) in rows:
            print(sep.join([rule, str(n), f"{p:.1f}", f"{m:.1f}", f"{m / p:.2f}" if p else "-"]))
        p, m = sum(r[1] for _, r in rows), sum(r[2] for _, r in rows)
        print(sep.join(["all jobs", str(sum(r[0] for _, r in rows)), f"{p:.1f}", f"{m:.1f}", f"{m / p:.2f}"]))
    error = 100 * (eta_s / wall - 1)
    print(f"ETA {eta_s:.0f} s, wall {wall:.0f} s (first job's start to last job's end): error {error:+.0f} %")


if __name__ == "__main__":
    main()
