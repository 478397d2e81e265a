"""Time the real workflow: run it (or read a finished run) and print per-rule wall times.

    # the paper run's GPU-bound part (make bench-gpu): CNN, precursor, OIP, dream of all 128 maps
    python tests/bench/bench_workflow.py run --workdir bench-run --profile profiles/gpu --maps all
    # on a CPU, with a small map subset:  run --workdir bench-run --maps 46,56 --cores 2
    # the default preset from scratch in bench-default/ (make bench-default), with the estimate for
    # the slow 2-core box (docs/measurements.md's default-preset table: add --markdown)
    python tests/bench/bench_workflow.py default --workdir bench-default --cores 2
    # a finished run's table, with that estimate
    python tests/bench/bench_workflow.py table --workdir . --slow-box

The table comes from the run's own files: Snakemake's log (job start and end, so how many jobs
ran at once), `benchmarks/` (each job's wall time as Snakemake measured it) and each job's log (its
first line is written once the job's imports are done: the time outside the log's first-to-last
line is counted as start-up, which also takes in writing the outputs after the last line).

The slow-box estimate is sized by work, against the slow AVX2-only 2-core box of issue 11: this
box's rates are measured (precursor screening by re-running one map's exhaustive screening, the
CNN from the run's training history) and divided by the slow box's (2100 image·epochs/s, 43 s per
full-MNIST CNN epoch). Each job's compute scales by the factor of its kind; steps without a
slow-box rate, and every job's start-up, by the larger of the two (--startup-factor overrides).
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

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow"))  # the package, also in a venv without it (the GPU box's)
from mnist_dreams.plumbing import chunks  # noqa: E402

COPY = ("Snakefile", "workflow", "config", "envs", "profiles")
STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
STARTED = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")
JOBID = re.compile(r"^\s+jobid: (\d+)$")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\w+)\)$")
BENCHMARK = re.compile(r"^\s+benchmark: (\S+)$")
LOG = re.compile(r"^\s+log: (\S+)$")
STAMPED = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")

# The slow 2-core box (AVX2 only) of issue 11, in absolute rates: precursor screening (exhaustive,
# the seed's settings, 2 threads) at 2100 image·epochs/s, the CNN at 43 s per full-MNIST epoch.
SLOW_ASCENT_RATE = 2100.0
SLOW_CNN_EPOCH_S = 43.0
ASCENT_RULES = ("precursor", "oip", "oip_random", "oip_precursor", "dream", "deepdream")


def jobs_in_log(log_text):
    """{jobid: {"rule", "start", "end", "benchmark", "log"}} of every finished job in a Snakemake log."""
    jobs, now, block = {}, None, None
    for line in log_text.splitlines():
        if m := STAMP.match(line):
            now = datetime.strptime(" ".join(m.group(1).split()), "%a %b %d %H:%M:%S %Y")
        elif m := STARTED.match(line):
            block = {"rule": m.group(1), "start": now, "end": None, "benchmark": None, "log": None}
        elif block is not None and (m := BENCHMARK.match(line)):
            block["benchmark"] = m.group(1)
        elif block is not None and (m := LOG.match(line)):
            block["log"] = m.group(1)
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


def logged_seconds(log_path):
    """Seconds from a job's first log line ("job started", written once its imports are done) to
    its last; None without two timestamped lines."""
    if not log_path or not Path(log_path).is_file():
        return None
    stamps = [
        m.group(1) for line in Path(log_path).read_text(errors="replace").splitlines() if (m := STAMPED.match(line))
    ]
    if not stamps:
        return None
    first, last = (datetime.strptime(t, "%Y-%m-%d %H:%M:%S,%f") for t in (stamps[0], stamps[-1]))
    return (last - first).total_seconds()


def kind(rule):
    return "ascent" if rule in ASCENT_RULES else "cnn" if rule == "cnn" else "other"


def cnn_epoch_seconds(workdir):
    """This box's seconds per full-MNIST CNN epoch, from the run's training history (first epoch,
    which compiles, left out; each epoch includes its test pass, as Keras' epoch times do)."""
    with h5py.File(Path(workdir) / "results/cnn/training.h5", "r") as f:
        wall, n_train, cpu = f["wall_time"][()], int(f.attrs["n_train"]), str(f.attrs.get("cpu", "?"))
    per_epoch = np.diff(wall) if len(wall) > 1 else wall
    return float(np.median(per_epoch)) * 60000 / n_train, cpu


def factors(workdir, ascent_rate, startup_factor=None):
    """How much slower the slow box is than this one, per kind of work: measured rates against
    the slow box's; steps without a slow-box rate (and start-up) take the larger of the two."""
    cnn_s, cpu = cnn_epoch_seconds(workdir)
    f = {"ascent": ascent_rate / SLOW_ASCENT_RATE, "cnn": SLOW_CNN_EPOCH_S / cnn_s}
    f["other"] = max(f.values())
    f["startup"] = startup_factor or f["other"]
    return f, {"cpu": cpu, "ascent_rate": ascent_rate, "cnn_epoch_s": cnn_s}


def table(workdir, slow=None):
    """Rows per rule (jobs, summed and largest job wall time from benchmarks/, the start-up part
    outside each job's logged span, and with ``slow`` factors a slow-box estimate) and the jobs'
    (start, end) intervals, from the latest Snakemake run in ``workdir``."""
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
            logged = logged_seconds(workdir / job["log"]) if job["log"] else None
            startup = seconds - min(logged, seconds) if logged is not None else seconds
            per_rule.setdefault(job["rule"], []).append((seconds, startup))
    rows = []
    for rule, times in sorted(per_rule.items()):
        total, startup = (sum(t[i] for t in times) for i in (0, 1))
        row = dict(step=rule, jobs=len(times), sum_s=total, startup_s=startup, max_s=max(t[0] for t in times))
        if slow:
            row["slow_box_s"] = startup * slow["startup"] + (total - startup) * slow[kind(rule)]
        rows.append(row)
    return rows, [(j["rule"], j["start"], j["end"]) for j in jobs.values()]


CALIBRATE = """
import sys
sys.path.insert(0, {workflow!r})
from mnist_dreams.plumbing import runtime
runtime.configure(threads=2, gpu=0, gpu_percent=100, cache_dir=None)
from mnist_dreams.ascent import grids, precursor; from mnist_dreams.subject import models
model, mean, std = models.load_cnn("results/cnn/model.keras", "results/cnn/training.h5")
starts = grids.grid_patterns([0.2, 0.5, 0.8], 3, mean, std)
out = precursor.screen(model, [46], starts, 10, 8, 0.01, batch_size=1024, prune=False)[46]
print(out["image_epochs"] / out["seconds"])
"""


def measure_ascent_rate(workdir, repeats=3):
    """This box's rate on the slow box's own measurement: one map's exhaustive screening at the
    seed's settings (19683 grids × 10 epochs, 2 threads, compilation included), on the run's CNN.
    The median of ``repeats`` runs: on a shared VM single runs differed by up to 30 %."""
    code = CALIBRATE.format(workflow=str(ROOT / "workflow"))
    rates = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], cwd=workdir, check=True, capture_output=True, text=True)
        rates.append(float(out.stdout.split()[-1]))
    print("precursor screening here, image·epochs/s:", ", ".join(f"{r:.0f}" for r in rates), flush=True)
    return float(np.median(rates))


def print_table(rows, intervals, wall_s=None, info=None, markdown=False):
    slow = bool(rows) and "slow_box_s" in rows[0]
    total = sum(r["sum_s"] for r in rows)
    span = (max(e for *_, e in intervals) - min(s for _, s, _ in intervals)).total_seconds() if intervals else None
    wall = wall_s if wall_s is not None else span
    cols = ["step", "jobs", "sum of job s", "start-up s", "largest s"] + (["slow box s"] if slow else [])
    cells = [
        [r["step"], f"{r['jobs']}", f"{r['sum_s']:.1f}", f"{r['startup_s']:.1f}", f"{r['max_s']:.1f}"]
        + ([f"{r['slow_box_s']:.0f}"] if slow else [])
        for r in rows
    ]
    totals = [
        "all jobs",
        f"{sum(r['jobs'] for r in rows)}",
        f"{total:.1f}",
        f"{sum(r['startup_s'] for r in rows):.1f}",
        "",
    ]
    cells.append(totals + ([f"{sum(r['slow_box_s'] for r in rows):.0f}"] if slow else []))
    if markdown:
        print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
        print("\n".join("| " + " | ".join(c) + " |" for c in cells))
    else:
        print(f"{cols[0]:28}" + "".join(f" {c:>13}" for c in cols[1:]))
        print("\n".join(f"{c[0]:28}" + "".join(f" {x:>13}" for x in c[1:]) for c in cells))
    print(f"\nwall time {wall:.0f} s; at most {max_concurrency(intervals)} jobs at once" if wall else "no log")
    if slow and wall:
        f, here = info
        print(
            f"this box: {here['cpu']}; precursor screening {here['ascent_rate']:.0f} image·epochs/s, "
            f"CNN {here['cnn_epoch_s']:.1f} s per full-MNIST epoch"
        )
        print(
            f"slow box ({SLOW_ASCENT_RATE:.0f} image·epochs/s, {SLOW_CNN_EPOCH_S:.0f} s per CNN epoch) is slower by: "
            + ", ".join(f"{k} {v:.2f}×" for k, v in f.items())
        )
        estimate = wall * sum(r["slow_box_s"] for r in rows) / total
        print(
            f"slow 2-core box estimate: {estimate:.0f} s ({estimate / 60:.1f} min): "
            "this run's wall time × slow/fast sum of job time"
        )
        return estimate
    return None


def fresh_copy(workdir, clean=False):
    """The workflow's files in ``workdir`` (``clean``: without any earlier run's outputs)."""
    work = Path(workdir)
    if clean and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        dest = work / name
        if dest.exists():
            shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, dest)
    return work


def run_default(args):
    """The default preset from scratch, download included, as a new user runs it (``make``)."""
    work = fresh_copy(args.workdir, clean=True)
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(args.cores)]
    print("$", " ".join(cmd), f"(in {work})", flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=work, check=True)
    return time.perf_counter() - start


def run(args):
    work = fresh_copy(args.workdir)
    maps = "all" if args.maps == "all" else "[" + args.maps + "]"
    ids = range(128) if args.maps == "all" else [int(m) for m in args.maps.split(",")]
    names = [chunks.name(c) for c in chunks.split(ids, args.maps_per_job)]  # the run's chunk files
    targets = ["results/cnn/model.keras"] + [
        f"results/{step}/map_{name}.h5" for step in ("precursor", "oip", "dreams") for name in names
    ]
    config = [f"maps={maps}", f"maps_per_job={args.maps_per_job}", "oip={start: precursor}", *args.config]
    if args.mnist:
        config.append(f"data={{source: path, path: {Path(args.mnist).resolve()}}}")
    cmd = [sys.executable, "-m", "snakemake", *targets, "--cores", str(args.cores)]
    cmd += ["--profile", args.profile] if args.profile else []
    files = ["config/paper.yaml", *(str(Path(f).resolve()) for f in args.configfile)]
    cmd += ["--config", *config, "--configfile", *files]
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
    r.add_argument("--configfile", nargs="*", default=[], help="more config files, after paper.yaml")
    d = sub.add_parser("default", help="run the default preset from scratch, then print its slow-box table")
    d.add_argument("--workdir", default="bench-default")
    d.add_argument("--cores", default="2")
    t = sub.add_parser("table", help="the table of a finished run")
    t.add_argument("--workdir", default=".")
    t.add_argument("--slow-box", action="store_true", help="add the estimate for the slow 2-core box of issue 11")
    for p in (d, t):
        p.add_argument("--ascent-rate", type=float, help="this box's screening rate, image·epochs/s (default: measure)")
        p.add_argument("--startup-factor", type=float, help="slow/fast for start-up (default: the larger measured)")
        p.add_argument("--markdown", action="store_true", help="the table as Markdown (docs/measurements.md)")
    args = ap.parse_args()
    wall = {"run": run, "default": run_default}.get(args.command, lambda _: None)(args)
    slow = info = None
    if args.command == "default" or getattr(args, "slow_box", False):
        rate = args.ascent_rate or measure_ascent_rate(args.workdir)
        slow, here = factors(args.workdir, rate, args.startup_factor)
        info = (slow, here)
    rows, intervals = table(args.workdir, slow=slow)
    print_table(rows, intervals, wall, info, markdown=getattr(args, "markdown", False))


if __name__ == "__main__":
    main()
