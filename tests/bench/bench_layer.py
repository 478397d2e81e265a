"""Every map of conv3 in one process: precursor screening, full OIP, found / fires counts.

    python tests/bench/bench_layer.py --model results/cnn/model.keras --training results/cnn/training.h5
        [--mode halving] [--epochs 1200] [--maps 0 1 2]

The workflow runs one job per map (one file per map, reruns per map); this script skips the
per-job start-up (~5 s with TensorFlow) to measure the layer at paper scale on a small machine.
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

from mnist_dreams import backend, cnn, data, models, oip, precursor  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "results/cnn/model.keras"))
    ap.add_argument("--training", default=str(ROOT / "results/cnn/training.h5"))
    ap.add_argument("--mnist", default=str(ROOT / "resources/mnist.h5"))
    ap.add_argument("--mode", default="exhaustive", choices=["exhaustive", "halving"])
    ap.add_argument("--epochs", type=int, default=1200)
    ap.add_argument("--maps", type=int, nargs="*", default=list(range(128)))
    ap.add_argument("--multi-map", action="store_true", help="screen all maps in one batch stream (exhaustive)")
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--standardize", default="mnist", choices=["mnist", "per_image", "both"])
    args = ap.parse_args()
    if args.standardize == "both":
        return compare_standardizations(args)
    backend.set_precision("float32")
    model, mean, std = models.load_cnn(args.model, args.training)
    starts = precursor.grid_patterns([0.2, 0.5, 0.8], 3, mean, std)
    mnist, _ = data.read_mnist(args.mnist)
    max_act, mean_act = oip.test_activations(model, cnn.standardize(mnist["x_test"], mean, std))
    halving = {"rungs": (1, 3, 10), "eta": 4} if args.mode == "halving" else {}
    results, t_screen, t_oip, work = {}, 0.0, 0.0, 0
    together = {}
    if args.multi_map:
        together = precursor.screen_maps(model, args.maps, starts, 10, 8, 0.01, batch_size=args.batch_size)
    for m in args.maps:
        factory = precursor.ascent_factory(model, m, 0.01)
        s = together.get(m) or precursor.screen(factory, starts, 10, 8, args.batch_size, mode=args.mode, **halving)
        r = oip.optimize(model, m, starts[s["top_indices"]], args.epochs, 0.01)
        results[m], t_screen, t_oip, work = r, t_screen + s["seconds"], t_oip + r["seconds"], work + s["image_epochs"]
        print(f"map {m:3d}: screen {s['seconds']:5.1f} s, best OIP loss {r['final_loss'].max():9.4f}", flush=True)
    table = oip.layer_table(results, max_act, mean_act)
    found = int(table["found"].fillna(False).astype(bool).sum())
    fires = int(table["fires_on_test"].sum())
    both = int((table["fires_on_test"] & table["found"].fillna(False).astype(bool)).sum())
    how = "all maps in one stream" if args.multi_map else args.mode
    print(f"\nbackend {backend.name()}, maps {len(args.maps)}, screening {how}: {work / t_screen:.0f} image·epochs/s")
    print(f"{'screening time':28s} {t_screen:8.1f} s")
    print(f"{'OIP time (8 × ' + str(args.epochs) + ' epochs)':28s} {t_oip:8.1f} s")
    print(f"{'maps with an OIP (loss > 0)':28s} {found:8d} of {len(args.maps)}")
    print(f"{'maps firing on MNIST test':28s} {fires:8d} of 128")
    print(f"{'found and firing':28s} {both:8d}")
    print(f"{'found, never firing on test':28s} {found - both:8d}")
    silent = table.loc[~table["found"].fillna(True).astype(bool), "map"].tolist()
    print(f"no OIP found for maps: {silent}")


def compare_standardizations(args):
    """precursor.standardize mnist vs per_image on the same CNN: each map's top 8 and the coverage."""
    backend.set_precision("float32")
    model, mean, std = models.load_cnn(args.model, args.training)
    halving = {"rungs": (1, 3, 10), "eta": 4} if args.mode == "halving" else {}
    tops, found = {}, {}
    for how in ("mnist", "per_image"):
        starts = precursor.grid_patterns([0.2, 0.5, 0.8], 3, mean, std, standardize=how)
        for m in args.maps:
            factory = precursor.ascent_factory(model, m, 0.01)
            s = precursor.screen(factory, starts, 10, 8, args.batch_size, mode=args.mode, **halving)
            r = oip.optimize(model, m, starts[s["top_indices"]], args.epochs, 0.01)
            tops[how, m], found[how, m] = set(s["top_indices"].tolist()), bool(r["found"])
            best = r["final_loss"].max()
            print(f"{how:9s} map {m:3d}: best screened loss {s['top_loss'][0]:8.4f}, OIP {best:9.4f}", flush=True)
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
