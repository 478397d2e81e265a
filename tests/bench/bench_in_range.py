"""In-range OIPs on a finished run's CNN (issue 39): the seed's unbounded ascent against oip.bound: clip.

    python tests/bench/bench_in_range.py --run /path/to/a/finished/paper/run [--maps 16] [--epochs N]

For 16 of the run's found conv3 maps spread over the layer, the stored OIP's own starts (its file's
start_images, the run's oip params) are ascended again five ways: plain (the seed's, which must
give the stored loss back), in range (every update clipped to 0–255 through the standardization),
in range fourier (that with the Fourier parameterization), in range smooth (with the smooth
style: the Fourier parameterization and the mild robust transforms) and in range blur (pixels
clipped, the blur penalty at 2.35: smooth enough and still twice the best test image,
docs/measurements.md). Per map and method, for the
best candidate: the in-range ratio (its activation clipped to the range ÷ the best test image's,
results/oip/examples.h5), the plain ratio, the share of its values in range and its high-frequency
share. Prints per-method medians, how many maps reach 2× the best test image in range, the
seconds, and a markdown table last; the issue's xplique medians (its Objective.channel + optimize
defaults on 16 maps of a paper CNN) for comparison.
"""

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mnist_dreams.ascent import input_range, oip, pattern_numbers  # noqa: E402
from mnist_dreams.ascent.engine.settings import Settings  # noqa: E402
from mnist_dreams.plumbing import store  # noqa: E402
from mnist_dreams.subject import models  # noqa: E402

XPLIQUE = {"xplique fourier (issue 39)": 0.69, "xplique pixel (issue 39)": 1.25}  # median ratio, clipped


def _stored(run):
    """{map: (datasets, attrs)} of every found map's chosen OIP file."""
    out = {}
    for path in sorted((run / "results/oip").glob("map_*.h5")):
        if path.name.count(".") == 1:  # not .random/.precursor: the chosen stage
            out.update({m: r for m, r in store.read_maps(path).items() if r[1]["found"]})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--maps", type=int, default=16)
    ap.add_argument("--epochs", type=int, help="fewer epochs than the run's (a quick look)")
    ap.add_argument("--only", nargs="*", help="methods starting with these words (and plain)")
    args = ap.parse_args()
    model = models.load_model(args.run / "results/cnn/model.keras")
    _, cnn = store.read_h5(args.run / "results/cnn/training.h5")
    box = input_range.bounds(cnn["pixel_mean"], cnn["pixel_std"], 1)
    examples, _ = store.read_h5(args.run / "results/oip/examples.h5", required=("top_activation",))
    best_test = examples["top_activation"][:, 0]
    stored = _stored(args.run)
    found = sorted(stored)
    maps = [found[i] for i in np.linspace(0, len(found) - 1, args.maps).round().astype(int)]
    params = stored[maps[0]][1]["params"]
    plain = Settings.from_config({**params, **({"epochs": args.epochs} if args.epochs else {})})
    methods = {
        "plain (the seed's)": plain,
        "in range (bound: clip)": replace(plain, bound="clip"),
        "in range fourier": replace(plain, bound="clip", parameterization="fourier"),
        "in range smooth": replace(plain, bound="clip", style="smooth").styled(True, (28, 28, 1)),
        "in range blur (bound: clip, blur: 2.35)": replace(plain, bound="clip", penalties=(("blur", 2.35),)),
    }
    if args.only:
        methods = {k: v for k, v in methods.items() if k.startswith(("plain", *args.only))}
    print(f"maps {maps}; {len(stored[maps[0]][0]['start_images'])} starts each, {plain.epochs} epochs", flush=True)
    rows = {}
    for name, s in methods.items():
        t0, per_map = time.perf_counter(), []
        starts = np.concatenate([stored[m][0]["start_images"] for m in maps])
        ids = np.repeat(maps, [len(stored[m][0]["start_images"]) for m in maps])
        r = oip.optimize(model, ids, starts, s, seed=0, input_range=box)
        numbers = input_range.numbers(model, "conv3", r["images"], ids, *box)
        for m in maps:
            at = np.flatnonzero(ids == m)
            best = at[np.argmax(r["final_loss"][at])]
            per_map.append(
                (
                    numbers["in_range_loss"][best] / best_test[m],
                    r["final_loss"][best] / best_test[m],
                    numbers["in_range_share"][best],
                    pattern_numbers.high_frequency_share(input_range.clip(r["images"][best], *box)),
                )
            )
            if name.startswith("plain") and args.epochs is None:  # the run's ascent, given back
                np.testing.assert_allclose(r["final_loss"][at], stored[m][0]["final_loss"], rtol=1e-4)
        rows[name] = (np.array(per_map), time.perf_counter() - t0)
        med = np.median(rows[name][0], axis=0)
        print(f"{name}: in-range ratio {med[0]:.2f}, plain ratio {med[1]:.2f}, in range {med[2]:.2f}, "
              f"high-frequency {med[3]:.3f}, {rows[name][1]:.0f} s", flush=True)  # fmt: skip
    print("\n| method | median in-range ratio | maps ≥ 2× in range | above xplique fourier's median | median ratio "
          "| median share in range | median high-frequency share | s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, (a, seconds) in rows.items():
        print(f"| {name} | {np.median(a[:, 0]):.2f} | {(a[:, 0] >= 2).sum()}/{len(a)} | "
              f"{(a[:, 0] > XPLIQUE['xplique fourier (issue 39)']).sum()}/{len(a)} | {np.median(a[:, 1]):.2f} | "
              f"{np.median(a[:, 2]):.2f} | {np.median(a[:, 3]):.3f} | {seconds:.0f} |")  # fmt: skip
    for name, ratio in XPLIQUE.items():
        print(f"| {name} | {ratio:.2f} | | | | 1 | | |")


if __name__ == "__main__":
    main()
