"""The per-stage table of a finished run (docs/measurements.md, "The paper run, per stage"): stage, jobs, wall,
CPU-seconds, peak RSS, from the run's own files — Snakemake's log (when each job started and ended)
and ``benchmarks/`` (each job's wall, CPU time and peak RSS as Snakemake measured them).

    python tests/bench/paper_table.py --workdir .            # the latest run in this folder
    python tests/bench/paper_table.py --workdir . --markdown

A stage's wall is the span from its first job's start to its last job's end on the run's clock
(stages overlap: two cores run a KMeans fit beside an OIP chunk), so the walls do not add up to
the run's; its CPU-seconds and job walls do add up. Peak RSS is the largest single job's.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workflow import jobs_in_log  # noqa: E402

# Stages in the order a reader meets them; a rule belongs to the first stage whose prefix it has.
STAGES = (
    ("data", ("mnist",)),
    ("CNN", ("cnn",)),
    ("KMeans sweep", ("kmeans", "silhouette", "cluster_sweep")),
    ("features + MLPs", ("cluster_features", "mlp")),
    ("random stage", ("oip_random",)),
    ("precursor + its OIP", ("precursor", "oip_precursor")),
    ("OIPs: choice, figures, atlas", ("oip", "dataset_examples", "map_pages")),
    ("dreams", ("dream", "deepdream")),
    ("rescue (5 values), data starts", ("rescue", "data_starts")),
    ("summary + tables", ("summary", "cluster_sweep_table", "mlp_comparison_table")),
    ("CNN figure", ("cnn_figure",)),
)


def stage_of(rule):
    if rule == "cnn_figure":  # drawn whenever a core is free, not part of the training's span
        return "CNN figure"
    for name, prefixes in STAGES:
        if rule.startswith(prefixes):
            return name
    return "other"


def cpu_name():
    path = Path("/proc/cpuinfo")
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def read_benchmark(path):
    """(wall s, CPU s, peak RSS MB) of one job's benchmark file."""
    header, values = Path(path).read_text().splitlines()[:2]
    row = dict(zip(header.split("\t"), values.split("\t"), strict=False))

    def number(key):
        try:
            return float(row.get(key, "nan"))
        except ValueError:  # "-" where psutil could not read it
            return float("nan")

    return number("s"), number("cpu_time"), number("max_rss")


def latest_jobs(workdir):
    """The finished jobs of the latest Snakemake run in ``workdir`` that ran any."""
    for log in sorted((Path(workdir) / ".snakemake/log").glob("*.snakemake.log"), reverse=True):
        jobs = jobs_in_log(log.read_text(errors="replace"))
        if jobs:
            return jobs
    return {}


def table(workdir):
    """Rows per stage and the run's totals (wall from the first start to the last end)."""
    workdir, rows = Path(workdir), {}
    jobs = latest_jobs(workdir)
    for job in jobs.values():
        stage = rows.setdefault(stage_of(job["rule"]), {"jobs": 0, "job_s": 0.0, "cpu_s": 0.0, "rss": 0.0,
                                                        "start": job["start"], "end": job["end"]})  # fmt: skip
        stage["jobs"] += 1
        stage["start"], stage["end"] = min(stage["start"], job["start"]), max(stage["end"], job["end"])
        bench = workdir / (job["benchmark"] or "-")
        if job["benchmark"] and bench.is_file():
            wall, cpu, rss = read_benchmark(bench)
            stage["job_s"] += wall
            stage["cpu_s"] += cpu if cpu == cpu else 0.0
            stage["rss"] = max(stage["rss"], rss if rss == rss else 0.0)
    order = [name for name, _ in STAGES] + ["other"]
    ordered = [(name, rows[name]) for name in order if name in rows]
    total = None
    if jobs:
        start = min(j["start"] for j in jobs.values())
        end = max(j["end"] for j in jobs.values())
        total = {"jobs": len(jobs), "wall": (end - start).total_seconds(),
                 "cpu_s": sum(r["cpu_s"] for _, r in ordered), "rss": max(r["rss"] for _, r in ordered)}  # fmt: skip
    return ordered, total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default=".")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    rows, total = table(args.workdir)
    if not total:
        print(f"{args.workdir}: no finished Snakemake run with jobs in .snakemake/log", file=sys.stderr)
        return 1
    head = ["stage", "jobs", "wall min (first start → last end)", "sum of job min", "CPU min", "peak RSS GB"]
    cells = [
        [name, str(r["jobs"]), f"{(r['end'] - r['start']).total_seconds() / 60:.1f}", f"{r['job_s'] / 60:.1f}",
         f"{r['cpu_s'] / 60:.1f}", f"{r['rss'] / 1024:.2f}"]
        for name, r in rows
    ]  # fmt: skip
    cells.append(["**whole run**", str(total["jobs"]), f"{total['wall'] / 60:.1f}", "", f"{total['cpu_s'] / 60:.1f}",
                  f"{total['rss'] / 1024:.2f}"])  # fmt: skip
    if args.markdown:
        print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        print("\n".join("| " + " | ".join(c) + " |" for c in cells))
    else:
        print(f"{head[0]:30}" + "".join(f" {h[:16]:>16}" for h in head[1:]))
        print("\n".join(f"{c[0]:30}" + "".join(f" {x:>16}" for x in c[1:]) for c in cells))
    print(f"\nCPU: {cpu_name()}; whole run {total['wall'] / 60:.1f} min wall, {total['jobs']} jobs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
