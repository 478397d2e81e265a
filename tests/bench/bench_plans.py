"""The plan is the config's, not the machine's (issue 36): on a finished run, the jobs a dry run plans
under other --cores, no --cores, --jobs and the GPU and SLURM profiles (each must be 0), and the rule
names of every preset and map list (one set for all)::

    python tests/bench/bench_plans.py --workdir paper-run --configfile config/paper.yaml
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers import job_stats  # noqa: E402

MACHINES = {
    "--cores 1": ["--cores", "1"],
    "--cores 2": ["--cores", "2"],
    "--cores 4": ["--cores", "4"],
    "--cores 16": ["--cores", "16"],
    "no --cores": [],
    "--jobs 64": ["--jobs", "64"],
    "--profile profiles/gpu": ["--profile", "profiles/gpu"],
    "--profile profiles/slurm": ["--profile", "profiles/slurm"],
}
PRESETS = {
    "default": [],
    "tiny": ["--configfile", "config/tiny.yaml"],
    "paper": ["--configfile", "config/paper.yaml"],
    "maps=[3]": ["--config", "maps=[3]"],
    "conv1": ["--config", "model={layer: conv1}"],
}


def _snakemake(workdir, *args):
    cmd = [sys.executable, "-m", "snakemake", *args]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, required=True, help="a finished run")
    ap.add_argument("--configfile", nargs="*", default=[], help="the finished run's config files")
    args = ap.parse_args(argv)
    files = ["--configfile", *args.configfile] if args.configfile else []
    print(f"Dry runs on the finished run in {args.workdir} ({' '.join(args.configfile) or 'config/config.yaml'}):\n")
    print("| asked with | jobs planned |\n|---|---|")
    planned_any = False
    for name, extra in MACHINES.items():
        out = _snakemake(args.workdir, "-n", *extra, *files)
        jobs = job_stats(out) if "Job stats" in out else {}
        planned_any |= bool(jobs)
        print(f"| {name} | {sum(jobs.values())}{' (' + ', '.join(sorted(jobs)) + ')' if jobs else ''} |")
    rules = {name: _snakemake(args.workdir, "--list-rules", *extra).split() for name, extra in PRESETS.items()}
    same = all(r == rules["default"] for r in rules.values())
    verdict = "one set" if same else "DIFFERENT sets"
    print(f"\n--list-rules for {', '.join(PRESETS)}: {verdict} of {len(rules['default'])} rules")
    return 1 if planned_any or not same else 0


if __name__ == "__main__":
    sys.exit(main())
