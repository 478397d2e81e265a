"""Per-job start-up of an OIP job by phase: process start → first ascent step, its compute excluded.

    python tests/bench/bench_startup.py --runs 5                       # this checkout, both backends
    mkdir /tmp/before && git archive HEAD workflow | tar -x -C /tmp/before     # an older checkout …
    taskset -c 0 python tests/bench/bench_startup.py --before /tmp/before --runs 5   # … next to it

Each run is a fresh Python process doing what workflow/scripts/oip.py does up to its first ascent
(bootstrap, package imports, models.load_cnn, the engine's compiled ascent and its first call), then the same
call again: its time is the compute, and first call − compute is trace + compile. Runs of the
variants and backends are interleaved, so that a load change on a shared machine hits all alike.
One unmeasured run first warms the OS file cache and the JAX compilation cache (a fresh folder per
bench), so the medians are those of the 2nd and later jobs of a workflow; the warm-up's own numbers
are printed as the 1st job. Every run's ascent output is hashed: the table says whether all agree.
Not timed: Snakemake's preamble in a real job (unpickling the job, the same before and after).
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("python+bootstrap", "imports", "model load", "compile", "start-up", "compute")


def worker(args):
    """One job's start-up; prints its phase times (s) and an output hash as JSON."""
    wf = Path(args.worker)
    sys.path.insert(0, str(wf / "scripts"))
    import _bootstrap  # noqa: F401 - as every rule script; puts wf's package first on sys.path

    try:  # the bootstrap configures a Snakemake job from its snakemake object; here from the arguments
        from mnist_dreams.plumbing import runtime
        from mnist_dreams.subject import models

        runtime.configure(threads=args.threads, gpu=0, cache_dir=args.cache_dir)
    except ImportError:  # a checkout from before mnist_dreams.plumbing.runtime
        pass
    t_boot = time.time()
    import numpy as np

    from mnist_dreams.ascent import oip  # noqa: F401 - the imports of scripts/oip.py
    from mnist_dreams.ascent.engine import driver
    from mnist_dreams.plumbing import backend, store

    try:
        from mnist_dreams.subject import models
    except ImportError:  # a checkout from before mnist_dreams.subject.models
        models = store

    backend.set_precision("float32")
    t_imports = time.time()
    model, pixel_mean, pixel_std = models.load_cnn(args.model, args.training)
    t_model = time.time()
    starts = oip.random_starts(8, pixel_mean, pixel_std, seed=46)
    ascend = driver.map_ascent(model, "conv3", 0.01, args.epochs)
    images, history = ascend(starts, 46)
    t_first = time.time()
    again = ascend(starts, 46)
    compute = time.time() - t_first
    assert all(np.array_equal(a, b) for a, b in zip((images, history), again, strict=True))
    phases = {
        "python+bootstrap": t_boot - args.spawned,
        "imports": t_imports - t_boot,
        "model load": t_model - t_imports,
        "compile": t_first - t_model - compute,
        "start-up": t_first - args.spawned - compute,
        "compute": compute,
    }
    digest = hashlib.sha256(images.tobytes() + history.tobytes()).hexdigest()[:16]
    print(json.dumps({"phases": phases, "output": digest}))


def run_once(workflow, backend, args, cache_dir):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    cmd = [sys.executable, __file__, "--worker", str(workflow), "--model", str(args.model)]
    cmd += ["--training", str(args.training), "--epochs", str(args.epochs), "--threads", str(args.threads)]
    cmd += ["--cache-dir", str(cache_dir), "--spawned", repr(time.time())]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        sys.exit(f"{backend} run of {workflow} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=ROOT / "results/cnn/model.keras")
    p.add_argument("--training", type=Path, default=ROOT / "results/cnn/training.h5")
    p.add_argument("--before", type=Path, help="an older checkout to measure beside this one")
    p.add_argument("--backends", nargs="+", default=["jax", "tensorflow"])
    p.add_argument("--runs", type=int, default=5, help="measured runs per variant and backend (after a warm-up)")
    p.add_argument("--epochs", type=int, default=60, help="epochs of the first ascent call (tiny preset: 60)")
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)), help="the job's declared threads")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--cache-dir", help=argparse.SUPPRESS)
    p.add_argument("--spawned", type=float, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    variants = {"after": ROOT / "workflow"}
    if args.before:
        variants = {"before": args.before.resolve() / "workflow", **variants}
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as cache:
        for i in range(args.runs + 1):  # run 0: the 1st job of a workflow (cold JAX cache)
            for backend in args.backends:
                for name, workflow in variants.items():
                    out = run_once(workflow, backend, args, Path(cache) / name)
                    results.setdefault((backend, name), []).append(out)
                    print(f"run {i} {backend:10s} {name:6s} " + " ".join(f"{v:6.2f}" for v in out["phases"].values()))
    print(f"\nseconds, median of {args.runs} runs after a warm-up (1st job: the warm-up); {args.threads} thread(s)")
    print(f"{'backend':10s} {'variant':12s} " + " ".join(f"{ph:>16s}" for ph in PHASES))
    for (backend, name), outs in results.items():
        for label, rows in ((f"{name}, 1st", outs[:1]), (name, outs[1:])):
            med = [statistics.median(r["phases"][ph] for r in rows) for ph in PHASES]
            print(f"{backend:10s} {label:12s} " + " ".join(f"{v:16.2f}" for v in med))
    for backend in args.backends:
        outputs = {out["output"] for (b, _), outs in results.items() if b == backend for out in outs}
        print(f"{backend}: ascent outputs of all runs identical: {'yes' if len(outputs) == 1 else outputs}")


if __name__ == "__main__":
    main()
