"""Plain pixel ascent against transformation robustness, per model: the pattern numbers (issue 27).

    python tests/bench/bench_robust.py --run /path/to/a/finished/run [--example residual_bn.keras]

For the seed CNN's conv3 (the run's results/cnn), the example BatchNorm model's block2_out
(trained here for 3 epochs when --example is not given) and the same architecture with an RGB input
trained here on coloured digits (strokes and background in random colours), each method ascends the same random starts
of a sample of firing maps and prints, per model × method: the median high-frequency share of the
best OIPs, the share of maps whose OIP beats the best MNIST test image (ratio > 1), the median
diversity of the found candidates, and the seconds. Methods: plain (the seed's), jitter (a roll of
up to 1 px), robust (shift up to 1 px, zoom ±10 %, rotation ±10°; and 2 px, ±20 %, ±20°;
mnist_dreams.ascent.engine.transforms), fourier (the Fourier parameterization, ...engine.parameterization)
alone and with the mild robust transforms (the smooth style of oip.style), and that with the
diversity term (oip.diversity 0.5).
Prints a markdown table last.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mnist_dreams.ascent import oip, pattern_numbers  # noqa: E402
from mnist_dreams.ascent.engine.settings import Settings  # noqa: E402
from mnist_dreams.subject import data, examples, models, own_model, photo  # noqa: E402

METHODS = {
    "plain": {},
    "jitter 1 px": {"jitter": 1},
    "robust: 1 px, ±10 %, ±10°": {"jitter": 1, "scale": 0.1, "rotate": 10.0},
    "robust: 2 px, ±20 %, ±20°": {"jitter": 2, "scale": 0.2, "rotate": 20.0},
    "fourier": {"parameterization": "fourier"},
    "fourier + robust 1 px, ±10 %, ±10°": {"parameterization": "fourier", "jitter": 1, "scale": 0.1, "rotate": 10.0},
    "the same + diversity 0.5": {
        "parameterization": "fourier",
        "jitter": 1,
        "scale": 0.1,
        "rotate": 10.0,
        "diversity": 0.5,
    },
}


def subjects(args, mnist):
    """(name, model, layer, pixel mean, pixel std) of each model the table covers."""
    model, mean, std = models.load_cnn(args.run / "results/cnn/model.keras", args.run / "results/cnn/training.h5")
    yield "seed CNN conv3", model, "conv3", mean, std
    if args.example:
        bn = own_model.load(args.example)
    else:
        from mnist_dreams.subject import example_model

        bn, accuracy = example_model.train(mnist, 3, 20000, 128, seed=0)
        print(f"example BatchNorm model trained here: test accuracy {accuracy:.4f}", flush=True)
    mean, std = own_model.scaling({"input": "unit"}, 1)
    yield "example BatchNorm block2_out", bn, "block2_out", mean, std
    rgb, accuracy = colour_model(mnist)
    print(f"RGB model (the example's architecture on coloured digits): test accuracy {accuracy:.4f}", flush=True)
    mean, std = own_model.scaling({"input": "unit"}, 3)
    yield "RGB BatchNorm block2_out", rgb, "block2_out", mean, std


def coloured(x, seed):
    """Digits (n, 28, 28) as RGB 0-255: strokes in one random colour, background in another, per image."""
    rng = np.random.default_rng(seed)
    ink, paper = rng.uniform(0, 255, (2, len(x), 1, 1, 3))
    alpha = np.asarray(x, np.float32)[..., None] / 255.0
    return (alpha * ink + (1 - alpha) * paper).astype(np.float32)


def colour_model(mnist, epochs=3, subset=20000):
    """The example BatchNorm architecture with an RGB input, trained on coloured digits at [0, 1]."""
    from mnist_dreams.subject import example_model

    model = example_model.build(seed=0, channels=3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = mnist["x_train"][:subset], mnist["y_train"][:subset]
    model.fit(coloured(x, 1) / 255.0, y, epochs=epochs, batch_size=128, verbose=0)
    _, accuracy = model.evaluate(coloured(mnist["x_test"], 2) / 255.0, mnist["y_test"], batch_size=1000, verbose=0)
    return model, float(accuracy)


def measure(model, layer, mean, std, mnist, args):
    pixels = np.asarray(mnist["x_test"], np.float32)[..., None]
    if model.inputs[0].shape[-1] == 3:
        pixels = coloured(mnist["x_test"], 2)
    x_test = photo.to_input(pixels, mean, std)
    peak, _, per_image = examples.activations(model, x_test, layer)
    best_test = per_image.max(axis=0)
    firing = np.flatnonzero(peak > 0)
    maps = firing[np.linspace(0, len(firing) - 1, min(args.maps, len(firing))).astype(int)]
    rows = {}
    for method, settings in METHODS.items():
        if args.methods and method not in args.methods:
            continue
        t0 = time.perf_counter()
        numbers = []
        for m in maps:
            starts = oip.random_starts(args.starts, mean, std, seed=1000 + int(m), shape=tuple(x_test.shape[1:]))
            ascent = Settings(args.epochs, args.step_size, **settings)
            r = oip.optimize(model, int(m), starts, ascent, layer, seed=int(m))
            numbers.append(pattern_numbers.per_map(r, best_test[m]))
        seconds = time.perf_counter() - t0
        column = {k: np.array([n[k] for n in numbers]) for k in numbers[0]}
        ratio = column["oip_vs_best_test"]
        rows[method] = {
            "maps": len(maps),
            "found": int(np.isfinite(ratio).sum()),
            "hf": float(np.nanmedian(column["high_frequency_share"])),
            "beats": float(np.mean(np.nan_to_num(ratio) > 1)),
            "ratio": float(np.nanmedian(ratio)),
            "diversity": float(np.nanmedian(column["diversity"])),
            "seconds": seconds,
        }
        print(method, rows[method], flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True, help="a finished run (results/cnn, resources/mnist.h5)")
    ap.add_argument("--example", type=Path, help="the example BatchNorm model (default: train one here)")
    ap.add_argument("--maps", type=int, default=16, help="firing maps per model, evenly spread")
    ap.add_argument("--starts", type=int, default=4, help="random starts per map")
    ap.add_argument("--epochs", type=int, default=400)
    ap.add_argument("--step-size", type=float, default=0.01)
    names = ", ".join(METHODS).replace("%", "%%")  # argparse formats help with %
    ap.add_argument("--methods", nargs="*", help=f"only these methods: {names}")
    args = ap.parse_args()
    mnist, _ = data.read_mnist(args.run / "resources/mnist.h5")
    table = {name: measure(model, layer, *scale, mnist, args) for name, model, layer, *scale in subjects(args, mnist)}
    print(f"\n{args.starts} random starts × {args.epochs} epochs, step {args.step_size}, per map\n")
    print("| model | method | maps (found) | median high-freq share | OIP beats best test image | median ratio | "
          "median diversity | s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, rows in table.items():
        for method, r in rows.items():
            print(f"| {name} | {method} | {r['maps']} ({r['found']}) | {r['hf']:.3f} | {100 * r['beats']:.0f} % | "
                  f"{r['ratio']:.2f} | {r['diversity']:.3f} | {r['seconds']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
