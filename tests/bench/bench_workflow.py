"""Time the real workflow: run it (or read a finished run) and print per-rule wall times.

    # the GPU-bound part of the paper run on one GPU box (make bench-gpu): CNN, then precursor,
    # OIP and dream of all 128 maps, through snakemake with profiles/gpu
    python tests/bench/bench_workflow.py run --workdir bench-run --profile profiles/gpu --maps all
    # the same on a CPU, with a small map subset (manual use)
    python tests/bench/bench_workflow.py run --workdir bench-run --maps 46,56 --cores 2
    # a finished run's table, with an estimate for a slow 2-core box (README's default-preset table)
    python tests/bench/bench_workflow.py table --workdir . --slow-box

The table comes from the run's own files: Snakemake's log (job start and end, so how many jobs
ran at once) and `benchmarks/` (each job's wall time as Snakemake measured it).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COPY = ("Snakefile", "workflow", "config", "envs", "profiles")
STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
STARTED = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")
JOBID = re.compile(r"^\s+jobid: (\d+)$")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\w+)\)$")
BENCHMARK = re.compile(r"^\s+benchmark: (\S+)$")

# A slow 2-core box (AVX2 only) against this project's reference box (AVX-512, 2 cores), measured
# side by side on the same workload: gradient ascent 13.5k vs 2.1k image·epochs/s, the CNN 10 s vs
# 43 s per full-MNIST epoch. Other steps: "2-core machines differ by up to 5×" (an upper bound).
SLOW_FACTORS = {"precursor": 13.5 / 2.1, "oip": 13.5 / 2.1, "dream": 13.5 / 2.1, "deepdream": 13.5 / 2.1, "cnn": 4.3}
SLOW_DEFAULT = 5.0


def jobs_in_log(log_text):
    """{jobid: {"rule", "start", "end", "benchmark"}} of every finished job in a Snakemake log."""
    jobs, now, block = {}, None, None
    for line in log_text.splitlines():
        if m := STAMP.match(line):
            now = datetime.strptime(" ".join(m.group(1).split()), "%a %b %d %H:%M:%S %Y")
        elif m := STARTED.match(line):
            block = {"rule": m.group(1), "start": now, "end": None, "benchmark": None}
        elif block is not None and (m := BENCHMARK.match(line)):
            block["benchmark"] = m.group(1)
        elif block is not None and (m := JOBID.match(line)):
            jobs[m.group(1)] = block
        elif (m := FINISHED.match(line)) and m.group(1) in jobs:
            jobs[m.group(1)]["end"] = now
    return {j: job for j, job in jobs.items() if job["end"] is not None and job["rule"] != "all"}


def max_concurrency(intervals):
    """The most jobs that ran at the same time (a job ending as another starts does not overlap)."""
    events = sorted([(s, 1) for _, s, _ in intervals] + [(e, -1) for _, _, e in intervals])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def slow_factor(rule):
    base = rule.split("_maps_")[0]  # chunk rules (maps_per_job) are timed like their per-map rule
    return SLOW_FACTORS.get(base, SLOW_DEFAULT)


def table(workdir, slow_box=False):
    """Rows per rule (jobs, summed and largest job wall time from benchmarks/, + a slow-box
    estimate) and the jobs' (start, end) intervals, from the latest Snakemake run in ``workdir``."""
    workdir = Path(workdir)
    jobs = {}
    for log in sorted((workdir / ".snakemake/log").glob("*.snakemake.log"), reverse=True):
        jobs = jobs_in_log(log.read_text(errors="replace"))
        if jobs:  # dry runs and --report leave logs without jobs
            break
    per_rule = {}
    for job in jobs.values():
        bench = workdir / (job["benchmark"] or "")
        if job["benchmark"] and bench.is_file():
            seconds = float(bench.read_text().splitlines()[1].split("\t")[0])
            per_rule.setdefault(job["rule"], []).append(seconds)
    rows = []
    for rule, times in sorted(per_rule.items()):
        row = {"step": rule, "jobs": len(times), "sum_s": sum(times), "max_s": max(times)}
        if slow_box:
            row["slow_box_s"] = sum(times) * slow_factor(rule)
        rows.append(row)
    return rows, [(j["rule"], j["start"], j["end"]) for j in jobs.values()]


def print_table(rows, intervals, wall_s=None):
    slow = rows and "slow_box_s" in rows[0]
    head = f"{'step':28} {'jobs':>5} {'sum of job s':>13} {'largest s':>10}" + (f" {'slow box s':>11}" if slow else "")
    print(head)
    for r in rows:
        line = f"{r['step']:28} {r['jobs']:5d} {r['sum_s']:13.1f} {r['max_s']:10.1f}"
        print(line + (f" {r['slow_box_s']:11.0f}" if slow else ""))
    total = sum(r["sum_s"] for r in rows)
    span = (max(e for *_, e in intervals) - min(s for _, s, _ in intervals)).total_seconds() if intervals else None
    wall = wall_s if wall_s is not None else span
    print(f"{'all jobs':28} {sum(r['jobs'] for r in rows):5d} {total:13.1f}")
    print(f"wall time {wall:.0f} s; at most {max_concurrency(intervals)} jobs at once" if wall else "no log")
    if slow and wall:
        estimate = wall * sum(r["slow_box_s"] for r in rows) / total
        how = "this run's wall time × the work-weighted slow/fast factors"
        print(f"slow 2-core box estimate: {estimate:.0f} s ({estimate / 60:.1f} min; {how})")


def run(args):
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        dest = work / name
        if dest.exists():
            shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, dest)
    maps = "all" if args.maps == "all" else "[" + args.maps + "]"
    ids = range(128) if args.maps == "all" else [int(m) for m in args.maps.split(",")]
    targets = ["results/cnn/model.keras"] + [
        f"results/{step}/map_{m:03d}.h5" for step in ("precursor", "oip", "dreams") for m in ids
    ]
    config = [f"maps={maps}", f"maps_per_job={args.maps_per_job}", "oip={start: precursor}", *args.config]
    if args.mnist:
        config.append(f"data={{source: path, path: {Path(args.mnist).resolve()}}}")
    cmd = [sys.executable, "-m", "snakemake", *targets, "--cores", str(args.cores)]
    cmd += ["--profile", args.profile] if args.profile else []
    cmd += ["--config", *config, "--configfile", "config/paper.yaml"]
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=work, check=True)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the paper preset's GPU-bound part, then print its table")
    r.add_argument("--workdir", default="bench-run")
    r.add_argument("--profile", default=None, help="e.g. profiles/gpu")
    r.add_argument("--maps", default="all", help="all, or a comma-separated list such as 46,56")
    r.add_argument("--maps-per-job", type=int, default=1)
    r.add_argument("--cores", default="all")
    r.add_argument("--mnist", default=None, help="an .npz or IDX folder (data.source: path), for offline boxes")
    r.add_argument("--config", nargs="*", default=[], help="more --config key=value entries")
    t = sub.add_parser("table", help="the table of a finished run")
    t.add_argument("--workdir", default=".")
    t.add_argument("--slow-box", action="store_true", help="add the estimate for a slow 2-core box")
    args = ap.parse_args()
    wall = run(args) if args.command == "run" else None
    rows, intervals = table(args.workdir, slow_box=getattr(args, "slow_box", False))
    print_table(rows, intervals, wall)


if __name__ == "__main__":
    main()
