"""The trust report against planted fakes (issue 39, item 4) on a finished run's CNN.

    python tests/bench/bench_trust.py --run /path/to/a/finished/paper/run [--fakes 8] [--epochs N]

First the trust table of the run's own CNN and stored OIPs (every map with one): the verdicts, how
many maps each "not trusted" rule marks, the spread of the new numbers. Then, for ``--fakes`` maps
spread over the found ones, one at a time: the CNN with a silent checkerboard path planted into that
map (``mnist_dreams.subject.planted``; the bench checks the planted CNN answers every test image
exactly as the CNN does), the map's OIP again from 8 of the author's random starts at the run's
ascent settings, and the trust table of the planted CNN (the other maps' stored OIPs: their function
is untouched). Per fake: whether the ascent found the fake (its detector awake, the activation ÷
the intact map's OIP), its similarity ratio, path rank, silent share and verdict, and how many of
the untouched maps are not trusted. A markdown table last.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mnist_dreams.ascent import input_range, oip, trust  # noqa: E402
from mnist_dreams.ascent.engine.settings import Settings  # noqa: E402
from mnist_dreams.plumbing import store  # noqa: E402
from mnist_dreams.subject import data, models, planted  # noqa: E402


def thresholds():
    """The schema's defaults of ``trust``: what a run uses unless its config says otherwise."""
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    return {k: v["default"] for k, v in schema["properties"]["trust"]["properties"].items()}


def chosen(run):
    """{map: datasets} of every map's OIP in the run's chosen stage (found or not)."""
    out = {}
    for path in sorted((run / "results/oip").glob("map_*.h5")):
        if path.name.count(".") == 1:  # not .random/.precursor
            out.update({m: r for m, (r, _) in store.read_maps(path).items()})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--fakes", type=int, default=8)
    ap.add_argument("--epochs", type=int, help="fewer epochs than the run's (a quick look)")
    args = ap.parse_args()
    model, mean, std = models.load_cnn(args.run / "results/cnn/model.keras", args.run / "results/cnn/training.h5")
    arrays, _ = data.read_mnist(args.run / "resources/mnist.h5")
    images = np.concatenate([arrays["x_train"], arrays["x_test"]]).reshape(-1, 28, 28, 1)
    natural = ((images - mean) / std).astype(np.float32)
    test_x = natural[len(arrays["x_train"]) :]
    examples, _ = store.read_h5(args.run / "results/oip/examples.h5", required=("top_index", "top_activation"))
    oips, limits = chosen(args.run), thresholds()
    t0 = time.perf_counter()
    intact = trust.table(model, "conv3", oips, examples, test_x, limits)
    print(f"intact: {len(intact)} maps, {intact['verdict'].value_counts().to_dict()}, {time.perf_counter() - t0:.1f} s")
    print(f"  not trusted by path rank {(intact.path_rank < limits['doubtful_path_rank']).sum()}, by similarity "
          f"ratio {(intact.similarity_ratio < limits['similarity_ratio']).sum()}, by silent share "
          f"{(intact.silent_share > limits['silent_share']).sum()}; silent share max {intact.silent_share.max():.2g}, "
          f"similarity ratio min {intact.similarity_ratio.min():.3f}", flush=True)  # fmt: skip
    found = list(intact["map"])
    fakes = [found[i] for i in np.linspace(0, len(found) - 1, args.fakes).round().astype(int)]
    (_, attrs), *_ = store.read_maps(next((args.run / "results/oip").glob("map_*.random.h5"))).values()
    settings = Settings.from_config({**attrs["params"], **({"epochs": args.epochs} if args.epochs else {})})
    box = input_range.bounds(mean, std, 1)
    rows = []
    for m in fakes:
        t0 = time.perf_counter()
        fake, _ = planted.plant(model, "conv3", m, natural)
        np.testing.assert_array_equal(fake.predict(test_x, verbose=0), model.predict(test_x, verbose=0))
        r = oip.optimize(fake, m, oip.random_starts(8, mean, std, 1000 + m), settings, input_range=box)
        r.update(input_range.numbers(fake, "conv3", r["images"], np.full(8, m), *box))
        table = trust.table(fake, "conv3", {**oips, m: r}, examples, test_x, limits)
        row = table[table["map"] == m].iloc[0]
        awake = planted.detector_output(fake, r["images"]).max(axis=(1, 2, 3)) > 0
        others = table[table["map"] != m]
        rows.append((m, int(awake.sum()), r["final_loss"].max() / oips[m]["final_loss"].max(), row.similarity_ratio,
                     row.path_rank, row.silent_share, row.verdict, int((others.verdict == "not trusted").sum()),
                     len(others), time.perf_counter() - t0))  # fmt: skip
        print(f"fake in map {m}: {rows[-1]}", flush=True)
    print("\n| fake in map | starts that woke it (of 8) | OIP ÷ the intact map's | similarity ratio | path rank "
          "| silent share | verdict | untouched not trusted | s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for m, woke, gain, sim, rank, silent, verdict, bad, n, seconds in rows:
        print(f"| {m} | {woke} | {gain:.0f} | {sim:.3f} | {rank:.2f} | {silent:.3f} | {verdict} | {bad}/{n} "
              f"| {seconds:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
