"""What an own model's layer costs to visualize, against what the ETA prices it at (issue 41).

For each input size and width of the visualized layer, a seed-like CNN (Conv 32 -> pool -> Conv 64
-> pool -> Conv ``maps``, 3x3, random weights: the cost does not depend on them) is ascended by the
OIP engine (``oip.optimize``, plain pixels, no pruning) for a batch of starts, one map each; the
measured seconds per image·epoch are set beside ``plan.eta``'s price of the same work (its
``scale`` of the model, a fixed share plus ``cost`` ÷ the seed CNN's, times the reference rate).
The last column is what the ETA then says a whole layer takes at the default settings (every map:
halving screening + 8 × 1200 epochs), at this box's measured pace.

    python tests/bench/bench_model_cost.py [--sizes 28 64 128] [--maps 32 128 512] [--epochs 100 200 400]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from mnist_dreams.plan import eta  # noqa: E402
from mnist_dreams.plumbing.configuration import load_yaml  # noqa: E402

BATCH = 64  # starts per call, one map each: 8 maps' top-k, as a chunk job batches its maps' candidates


def model_for(size, maps):
    import keras

    return keras.Sequential(
        [
            keras.Input((size, size, 1)),
            keras.layers.Conv2D(32, 3, activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(name="pool1"),
            keras.layers.Conv2D(64, 3, activation="relu", name="conv2"),
            keras.layers.MaxPooling2D(name="pool2"),
            keras.layers.Conv2D(maps, 3, activation="relu", name="top"),
        ]
    )


def measured(model, size, epochs):
    """Seconds per image·epoch of ``epochs`` OIP steps on BATCH starts, after a call that compiled the
    engine's 100-epoch step (``driver.CHUNK_EPOCHS``): the ascent's own pace, its compile aside."""
    from mnist_dreams.ascent import oip
    from mnist_dreams.ascent.engine.settings import Settings

    n_maps = model.get_layer("top").output.shape[-1]
    starts = np.random.default_rng(0).normal(0, 1, (BATCH, size, size, 1)).astype(np.float32)
    maps = np.arange(BATCH) % n_maps
    oip.optimize(model, maps, starts, Settings(100, 0.01), layer="top", prune=False)  # compile
    t0 = time.perf_counter()
    oip.optimize(model, maps, starts, Settings(epochs, 0.01), layer="top", prune=False)
    return (time.perf_counter() - t0) / (BATCH * epochs)


def layer_hours(scale, n_maps, per_image_epoch):
    """Hours the ETA gives a whole layer's per-map jobs at the defaults, priced at the measured pace."""
    defaults = load_yaml(ROOT / "config/config.yaml")
    p = {"precursor": defaults["precursor"], "oip": defaults["oip"]}
    reference = eta.STEP_S / 8  # the reference seconds per image·epoch of the seed CNN
    pace = per_image_epoch / (reference * scale)
    seconds = eta.price("precursor", p, n_maps, n_maps, scale) + eta.price("oip", p, n_maps, n_maps, scale)
    return seconds * pace / 3600


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[28, 64, 128])
    ap.add_argument("--maps", type=int, nargs="+", default=[32, 128, 512])
    ap.add_argument("--epochs", type=int, nargs="+", default=[100, 200, 400])
    a = ap.parse_args()
    from mnist_dreams.plumbing import backend

    backend.set_precision("float32")
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; batch {BATCH}")
    print("| input px | maps | epochs | cost ÷ seed | scale | measured ms / image·epoch | priced | measured ÷ priced | "
          "a layer at the defaults (h, this box) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in a.sizes:
        for n_maps in a.maps:
            model = model_for(size, n_maps)
            shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
            scale = eta.scale(shapes, "top")
            priced = eta.STEP_S / 8 * scale
            # every epoch count on the first model (linear?), the shortest on the others (the big ones are slow)
            epochs_list = a.epochs if (size, n_maps) == (a.sizes[0], a.maps[0]) else a.epochs[:1]
            for epochs in epochs_list:
                m = measured(model, size, epochs)
                hours = layer_hours(scale, n_maps, m)
                ratio = eta.cost(shapes, "top") / eta.SEED_COST
                cells = (size, n_maps, epochs, f"{ratio:.2f}", f"{scale:.2f}", f"{1e3 * m:.3f}", f"{1e3 * priced:.3f}",
                         f"{m / priced:.2f}", f"{hours:.2f}")  # fmt: skip
                print("| " + " | ".join(map(str, cells)) + " |", flush=True)


if __name__ == "__main__":
    main()
