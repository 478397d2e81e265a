"""The KMeans sweep as the workflow runs it: one fit per K, `--jobs` side by side (one thread each,
as Snakemake runs the `kmeans` jobs), then every K's silhouette in one pass (rule `silhouettes`).

    python tests/bench/bench_sweep.py                                   # the seed's settings:
        # K = 10, 20, ..., 170, n_init 500, max_iter 1000, batch 500, train+test, exact silhouettes
    python tests/bench/bench_sweep.py --ks 10,70 --n-init 20 --check 70 --float32 70

`--check K` also runs sklearn's silhouette_score on the same images for that K (~3 min a K on
70000 images) and prints the difference; `--float32 K` refits K on float32 rows (the fit before
float64) and prints both fits' time, inertia and silhouette. Prints the CPU (lscpu), the load
average before and after (other processes on the box slow every number), and a table last.
Time outside the fits and the pass (loading MNIST, Snakemake and job start-up) is not included.
"""

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow"))

from mnist_dreams.clusters import silhouette, sweep  # noqa: E402
from mnist_dreams.subject import data  # noqa: E402

X = None  # the images to cluster, shared with the fit processes by fork


def cpu_name():
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    return next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "?")


def fit(job):
    """One K as rule kmeans fits it (one thread); (k, labels, inertia, seconds, CPU seconds, steps)."""
    k, n_init, max_iter, batch_size, seed, dtype = job
    cpu = time.process_time()
    x = X.astype(dtype, copy=False)
    if dtype == np.float32:  # the fit before float64: sklearn on the float32 rows as they are
        from sklearn.cluster import MiniBatchKMeans
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            start = time.perf_counter()
            model = MiniBatchKMeans(k, n_init=n_init, max_iter=max_iter, batch_size=batch_size, random_state=seed)
            model.fit(x)
            seconds = time.perf_counter() - start
        centroids, labels, steps = model.cluster_centers_, model.labels_, model.n_steps_
    else:
        centroids, labels, _, seconds, steps = sweep.kmeans(x, k, n_init, max_iter, batch_size, seed, threads=1)
    return k, labels, sweep.inertia(x, centroids), seconds, time.process_time() - cpu, steps


def fits(jobs, workers):
    """Fits in ``workers`` processes, largest K first; (results by K, wall seconds)."""
    start = time.perf_counter()
    ordered = sorted(jobs, key=lambda job: -job[0])
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = {r[0]: r for r in pool.imap_unordered(fit, ordered)}
    return results, time.perf_counter() - start


def main():
    global X
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist", default=None, help="mnist.h5 (default: resources/, else the tests' cache)")
    parser.add_argument("--ks", default=",".join(str(k) for k in range(10, 171, 10)))
    parser.add_argument("--n-init", type=int, default=500)
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--fit-on", default="train+test")
    parser.add_argument("--subsample", type=int, default=0)
    parser.add_argument("--space", default="pixels", help="clustering space (the paper preset: normalizer)")
    parser.add_argument("--sample-size", type=int, default=0, help="silhouette sample (0: exact)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="fits side by side, one thread each")
    parser.add_argument("--threads", type=int, default=2, help="threads of the silhouette pass")
    parser.add_argument("--block", type=int, default=silhouette.BLOCK, help="images per block of the pass")
    parser.add_argument("--check", default="", help="K whose silhouette sklearn also computes")
    parser.add_argument("--float32", default="", help="K refitted on float32 rows, for comparison")
    args = parser.parse_args()
    ks = [int(k) for k in args.ks.split(",")]
    default = ROOT / "resources/mnist.h5"
    path = args.mnist or (default if default.exists() else ROOT / ".pytest_cache/d/mnist/mnist.h5")
    mnist, _ = data.read_mnist(path)
    X, _ = sweep.fit_images(mnist, args.fit_on, args.subsample, args.seed, args.space)
    settings = (args.n_init, args.max_iter, args.batch_size, args.seed)
    blas = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; BLAS env: {blas or 'none'}")
    print(f"{len(X)} images ({args.fit_on}, {args.space}), K = {ks}, n_init {args.n_init}, max_iter {args.max_iter}")
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} (1 min)", flush=True)

    results, fit_wall = fits([(k, *settings, np.float64) for k in ks], args.jobs)
    for k in ks:
        _, _, inertia, seconds, cpu, steps = results[k]
        print(f"  K={k:3d}: fit {seconds:7.1f} s (CPU {cpu:7.1f} s), {steps} steps, inertia {inertia:.10g}", flush=True)
    labelings = [results[k][1] for k in ks]
    values, pass_s = silhouette.silhouettes(X, labelings, args.sample_size, args.seed, args.threads, args.block)
    print(f"silhouette pass, {len(ks)} K, {args.threads} threads: {pass_s:.1f} s", flush=True)
    for k, value in zip(ks, values, strict=True):
        print(f"  K={k:3d}: silhouette {value:.8f}")

    for k in [int(k) for k in args.check.split(",") if k]:
        from sklearn.metrics import silhouette_score

        start = time.perf_counter()
        sample = args.sample_size or None
        expected = silhouette_score(X, results[k][1], sample_size=sample, random_state=args.seed)
        diff = abs(values[ks.index(k)] - expected)
        print(f"check K={k}: sklearn {expected:.8f} in {time.perf_counter() - start:.1f} s, |diff| {diff:.2e}")

    for k in [int(k) for k in args.float32.split(",") if k]:
        old, _ = fits([(k, *settings, np.float32)], 1)
        (old_sil,), _ = silhouette.silhouettes(X, [old[k][1]], args.sample_size, args.seed, args.threads)
        new = results[k]
        print(
            f"float32 vs float64 fit, K={k}: fit {old[k][3]:.1f} vs {new[3]:.1f} s, inertia {old[k][2]:.10g} vs "
            f"{new[2]:.10g}, silhouette {old_sil:.8f} vs {values[ks.index(k)]:.8f}"
        )

    load_after = os.getloadavg()
    fit_sum = sum(r[3] for r in results.values())
    print("\n| stage | seconds |\n|---|---|")
    print(f"| {len(ks)} fits, summed (one thread each) | {fit_sum:.1f} |")
    print(f"| fits, wall ({args.jobs} side by side) | {fit_wall:.1f} |")
    print(f"| silhouette pass, all K ({args.threads} threads) | {pass_s:.1f} |")
    print(f"| sweep wall (fits + pass) | {fit_wall + pass_s:.1f} |")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    rss = [resource.getrusage(who).ru_maxrss / 1024 for who in (resource.RUSAGE_CHILDREN, resource.RUSAGE_SELF)]
    print(f"peak RSS: a fit process {rss[0]:.0f} MB, the silhouette pass's process {rss[1]:.0f} MB")


if __name__ == "__main__":
    main()
