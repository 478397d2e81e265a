"""One map after a knob change, beside its chunk (issue 36): what a one-map target computes.

On a finished run (the paper preset's, say), asks for one map's OIP after a knob change, runs it,
and prints, from the files and benchmarks/ alone: the jobs it ran, the maps each job computed
(``maps_in_job`` of the OIP file), the ascent's image·epochs (candidates × epochs of the stored loss
histories) and the jobs' seconds, beside the same for the chunk that computed that map in the
finished run. The one-map target is the work of that map alone when its maps computed are 1::

    python tests/bench/bench_one_map.py --workdir paper-run --map 56 --knob 'oip={step_size: 0.011}' \
        --configfile config/paper.yaml

The default knob changes the OIP's result but not its amount of work, so the target's image·epochs
compare with the map's own share of its chunk.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from mnist_dreams.plumbing import store

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers import job_stats  # noqa: E402

STAGES = ("random", "precursor", "")  # the OIP files of a chunk: map_X.random.h5, map_X.precursor.h5, map_X.h5


def ascent_work(work, chunk, m=None):
    """(maps in the chunk's OIP files, image·epochs of their ascents, seconds of their jobs)."""
    maps, image_epochs, seconds = set(), 0, 0.0
    for stage in STAGES:
        name = f"map_{chunk}.{stage}.h5" if stage else f"map_{chunk}.h5"
        path = Path(work) / "results/oip" / name
        if not path.exists():
            continue
        for mm, (data, _) in store.read_maps(path, required=("loss_history",)).items():
            if m is None or mm == m:
                maps.add(mm)
                if stage or not (Path(work) / f"results/oip/map_{chunk}.random.h5").exists():  # not the choice
                    image_epochs += int(data["loss_history"].size)
        bench = Path(work) / "benchmarks/oip" / name.replace(".h5", ".tsv")
        if bench.exists():
            seconds += float(bench.read_text().splitlines()[1].split("\t")[0])
    return sorted(maps), image_epochs, seconds


def chunk_of(work, m):
    """The chunk of the finished run whose OIP file holds map ``m`` (besides ``m`` alone)."""
    for path in sorted((Path(work) / "results/oip").glob("map_*-*.h5")):
        name = path.name.removeprefix("map_").split(".")[0]
        first, last = (int(x) for x in name.split("-"))
        if first <= m <= last and m in store.read_maps(path):
            return name
    raise SystemExit(f"no chunk of several maps in {work}/results/oip holds map {m}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, required=True, help="a finished run")
    ap.add_argument("--map", type=int, default=56)
    ap.add_argument("--knob", default="oip={step_size: 0.011}", help="the --config change")
    ap.add_argument("--configfile", nargs="*", default=[], help="the finished run's config files")
    ap.add_argument("--cores", default="2")
    args = ap.parse_args(argv)
    chunk, target = chunk_of(args.workdir, args.map), f"results/oip/map_{args.map:03d}.h5"
    cmd = [sys.executable, "-m", "snakemake", target, "--cores", args.cores, "--config", args.knob]
    cmd += ["--configfile", *args.configfile] if args.configfile else []
    proc = subprocess.run(cmd, cwd=args.workdir, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    ran = job_stats(proc.stdout + proc.stderr)
    one = ascent_work(args.workdir, f"{args.map:03d}")
    in_job = store.read_map(Path(args.workdir) / target)[1].get("maps_in_job")
    whole = ascent_work(args.workdir, chunk)
    share = ascent_work(args.workdir, chunk, args.map)
    print(f"map {args.map} after --config {args.knob!r}: ran {', '.join(f'{r} {n}' for r, n in sorted(ran.items()))}")
    print("\n| | maps computed | ascent image·epochs | job seconds |\n|---|---|---|---|")
    print(f"| map_{args.map:03d} alone (the target) | {len(one[0])} | {one[1]} | {one[2]:.1f} |")
    print(f"| its chunk map_{chunk} in the finished run | {len(whole[0])} | {whole[1]} | {whole[2]:.1f} |")
    print(f"| map {args.map}'s own share of that chunk | 1 | {share[1]} | {whole[2] / max(1, len(whole[0])):.1f} |")
    print(f"\nthe target's jobs computed {in_job} map(s) (maps_in_job), {one[1] / max(1, share[1]):.2f}× the map's "
          f"own image·epochs in its chunk (the chunk: {whole[1] / max(1, share[1]):.0f}×)")  # fmt: skip


if __name__ == "__main__":
    main()
