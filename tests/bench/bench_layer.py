"""Every map of conv3 in one process, as a layer-at-once chunk job computes them: precursor
screening of all maps in one stream (with the exact prune), then all maps' full OIPs in one batch;
dead fractions, found / fires counts.

    python tests/bench/bench_layer.py --model results/cnn/model.keras --training results/cnn/training.h5
        [--mode halving] [--epochs 1200] [--maps 0 1 2] [--no-prune]
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from mnist_dreams.ascent import grids, oip, precursor  # noqa: E402
from mnist_dreams.ascent.engine.settings import Settings  # noqa: E402
from mnist_dreams.plumbing import backend  # noqa: E402
from mnist_dreams.subject import data, examples, models, photo  # noqa: E402


def screen_and_oip(model, maps, starts, args):
    """The layer engine as a chunk job runs it: all maps' screening in one stream, then all OIPs."""
    halving = {"rungs": (1, 3, 10), "eta": args.eta} if args.mode == "halving" else {}
    t0 = time.perf_counter()
    screens = precursor.screen(model, maps, starts, 10, 8, 0.01, args.batch_size, args.mode, prune=not args.no_prune,
                               **halving)  # fmt: skip
    t_screen = time.perf_counter() - t0
    top = np.concatenate([starts[screens[m]["top_indices"]] for m in maps])
    r = oip.optimize(model, np.repeat(maps, 8), top, Settings(args.epochs, 0.01), prune=not args.no_prune)
    results = {m: {k: v[8 * i : 8 * i + 8] for k, v in r.items() if k != "seconds"} for i, m in enumerate(maps)}
    return screens, results, t_screen, r["seconds"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "results/cnn/model.keras"))
    ap.add_argument("--training", default=str(ROOT / "results/cnn/training.h5"))
    ap.add_argument("--mnist", default=str(ROOT / "resources/mnist.h5"))
    ap.add_argument("--mode", default="exhaustive", choices=["exhaustive", "halving"])
    ap.add_argument("--eta", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=1200)
    ap.add_argument("--maps", type=int, nargs="*", default=list(range(128)))
    ap.add_argument("--no-prune", action="store_true", help="ascend dead starts too")
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--standardize", default="mnist", choices=["mnist", "per_image", "both"])
    args = ap.parse_args()
    if args.standardize == "both":
        return compare_standardizations(args)
    backend.set_precision("float32")
    model, mean, std = models.load_cnn(args.model, args.training)
    starts = grids.grid_patterns([0.2, 0.5, 0.8], 3, mean, std)
    mnist, _ = data.read_mnist(args.mnist)
    max_act, mean_act, _ = examples.activations(
        model, photo.to_input(np.asarray(mnist["x_test"], np.float32)[..., None], mean, std)
    )
    screens, results, t_screen, t_oip = screen_and_oip(model, args.maps, starts, args)
    work = sum(s["image_epochs"] for s in screens.values())
    dead = np.array([s["dead"] for s in screens.values()]) / len(starts)
    table = oip.layer_table(results, max_act, mean_act)
    found = int(table["found"].fillna(False).astype(bool).sum())
    fires = int(table["fires_on_test"].sum())
    both = int((table["fires_on_test"] & table["found"].fillna(False).astype(bool)).sum())
    print(f"\nbackend {backend.name()}, maps {len(args.maps)}, screening {args.mode}, prune {not args.no_prune}")
    print(f"{'screening time':28s} {t_screen:8.1f} s ({work / t_screen:.0f} image·epochs/s, {work} image·epochs)")
    print(f"{'dead grids per map':28s} mean {dead.mean():.1%}, median {np.median(dead):.1%}, max {dead.max():.1%}")
    print(f"{'OIP time (8 × ' + str(args.epochs) + ' epochs)':28s} {t_oip:8.1f} s")
    print(f"{'maps with an OIP (loss > 0)':28s} {found:8d} of {len(args.maps)}")
    print(f"{'maps firing on MNIST test':28s} {fires:8d} of 128")
    print(f"{'found and firing':28s} {both:8d}")
    silent = table.loc[~table["found"].fillna(True).astype(bool), "map"].tolist()
    print(f"no OIP found for maps: {silent}")


def compare_standardizations(args):
    """precursor.standardize mnist vs per_image on the same CNN: each map's top 8 and the coverage."""
    backend.set_precision("float32")
    model, mean, std = models.load_cnn(args.model, args.training)
    tops, found = {}, {}
    for how in ("mnist", "per_image"):
        starts = grids.grid_patterns([0.2, 0.5, 0.8], 3, mean, std, standardize=how)
        screens, results, _, _ = screen_and_oip(model, args.maps, starts, args)
        for m in args.maps:
            tops[how, m] = set(screens[m]["top_indices"].tolist())
            found[how, m] = bool(results[m]["final_loss"].max() > 0)
    overlap = [len(tops["mnist", m] & tops["per_image", m]) for m in args.maps]
    print(f"\nstandardization, {len(args.maps)} maps, screening {args.mode}, OIP {args.epochs} epochs")
    for how in ("mnist", "per_image"):
        print(f"{'maps with an OIP, ' + how:34s} {sum(found[how, m] for m in args.maps):4d}")
    print(f"{'top-8 overlap (mean of 8)':34s} {np.mean(overlap):6.2f}")
    print(f"{'maps with identical top-8 sets':34s} {sum(o == 8 for o in overlap):4d}")
    pairs = (("mnist", "per_image"), ("per_image", "mnist"))
    only = {h: [m for m in args.maps if found[h, m] and not found[o, m]] for h, o in pairs}
    print(f"found only with mnist: {only['mnist']}; only with per_image: {only['per_image']}")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - t0:.0f} s")
