"""Figures. Each function takes plain arrays, writes one PNG atomically and returns its path."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .store import atomic_path  # noqa: E402


def save(fig, path, dpi=110):
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def training_curve(history, path):
    """Loss and accuracy per epoch, train vs test, with the final test accuracy in the title."""
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.8))
    for split, style in (("train", "-o"), ("test", "--s")):
        ax_loss.plot(epochs, history[f"{split}_loss"], style, label=split)
        ax_acc.plot(epochs, 100 * np.asarray(history[f"{split}_accuracy"]), style, label=split)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    final = 100 * history["test_accuracy"][-1]
    wall = history["wall_time"][-1]
    ax_acc.set(xlabel="epoch", ylabel="accuracy [%]", title=f"test accuracy {final:.2f} % ({wall:.0f} s)")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle("The seed's CNN on standardized MNIST")
    return save(fig, path)


def _pattern(ax, image, title, cmap="viridis"):
    ax.imshow(np.asarray(image).reshape(28, 28), cmap=cmap)
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def oip_panel(map_index, result, path):
    """The map's k OIPs in viridis with their final loss (the seed's panels), starts below in gray."""
    k = len(result["final_loss"])
    order = np.argsort(-result["final_loss"], kind="stable")
    fig, axes = plt.subplots(2, k, figsize=(1.6 * k, 3.6), squeeze=False)
    for col, i in enumerate(order):
        _pattern(axes[0, col], result["images"][i], f"loss {result['final_loss'][i]:.3g}")
        _pattern(axes[1, col], result["start_images"][i], f"start {result['start_loss'][i]:.2g}", cmap="gray")
    found = "found" if result["final_loss"].max() > 0 else "no OIP found (all losses 0)"
    epochs = result["loss_history"].shape[1]
    fig.suptitle(f"conv3 map {map_index}: OIPs after {epochs} epochs — {found}", fontsize=10)
    return save(fig, path)


def oip_summary(table, results, path):
    """Best OIP of every computed map, plus the layer's coverage on the MNIST test set."""
    maps = sorted(results)
    cols = 8
    rows = max(1, int(np.ceil(len(maps) / cols)))
    fig = plt.figure(figsize=(1.7 * cols, 1.9 * rows + 2.6))
    grid = fig.add_gridspec(rows + 1, cols, height_ratios=[1.0] * rows + [1.4])
    for n, m in enumerate(maps):
        r = results[m]
        best = int(np.argmax(r["final_loss"]))
        ax = fig.add_subplot(grid[n // cols, n % cols])
        _pattern(
            ax,
            r["images"][best],
            f"map {m}: {r['final_loss'][best]:.3g}",
            cmap="viridis" if r["final_loss"][best] > 0 else "gray",
        )
    ax = fig.add_subplot(grid[rows, :])
    ax.bar(table["map"], table["max_test_activation"], color="tab:blue", width=0.9, label="fires on test")
    silent = table[~table["fires_on_test"]]
    ax.plot(silent["map"], np.zeros(len(silent)), "x", color="tab:red", label="never fires")
    ax.legend(loc="upper left", fontsize=8)
    ax.set(xlabel="conv3 map", ylabel="max activation on test", xlim=(-1, len(table)))
    fires = int(table["fires_on_test"].sum())
    found = int(table["found"].fillna(False).astype(bool).sum())
    fig.suptitle(
        f"OIPs found for {found} of {int(table['computed'].sum())} computed maps; "
        f"{fires} of {len(table)} maps fire on the MNIST test set (seed's CNN: 94 of 128)",
        fontsize=10,
    )
    return save(fig, path)


def cluster_sweep(table, elbow_k, path, seed_silhouette_ks=(), seed_time_s=None, note=""):
    """The seed's three sweep plots: time, inertia (with the elbow estimate) and silhouette vs K."""
    k = table["k"]
    fig, (ax_t, ax_i, ax_s) = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    ax_t.plot(k, table["fit_time_s"], "-o", label="KMeans fit")
    ax_t.plot(k, table["silhouette_time_s"], "--s", label="silhouette")
    ax_t.plot(k, table["fit_time_s"] + table["silhouette_time_s"], ":", color="gray", label="sum")
    if seed_time_s:
        label = "seed: fit + exact silhouette,\n70000 images, n_init=500"
        ax_t.plot(list(seed_time_s), list(seed_time_s.values()), "k*", ms=9, label=label)
    ax_t.set(xlabel="number of clusters K", ylabel="wall time [s]", title="time per K")
    ax_i.plot(k, table["inertia"], "-o")
    if elbow_k is not None:
        ax_i.axvline(elbow_k, color="C3", ls="--", label=f"elbow estimate K={elbow_k}")
        ax_i.legend()
    ax_i.set(xlabel="number of clusters K", ylabel="inertia (pixels in [0, 1])", title="inertia")
    exact = bool(np.all(table["silhouette_exact"]))
    ax_s.plot(k, table["silhouette"], "-o")
    for i, ks in enumerate(seed_silhouette_ks):
        ax_s.axvline(ks, color="gray", ls=":", label="seed's picks" if i == 0 else None)
    if len(seed_silhouette_ks):
        ax_s.legend()
    kind = "exact" if exact else "sampled"
    ax_s.set(xlabel="number of clusters K", ylabel="average silhouette", title=f"silhouette ({kind})")
    for ax in (ax_t, ax_i, ax_s):
        ax.grid(alpha=0.3)
    ax_t.legend(fontsize=8)
    fig.suptitle(f"MiniBatchKMeans on {int(table['n_images'][0])} MNIST images{note}")
    return save(fig, path)


def mlp_comparison(reference, clustered, rows, thresholds, k, path):
    """Test accuracy vs epoch and vs wall time, total cost, and the speed-ups next to the seed's."""
    fig, (ax_e, ax_t, ax_c) = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
    runs = (("reference (784 pixels)", reference, "C0"), (f"clustered (K={k} distances)", clustered, "C1"))
    for label, h, color in runs:
        epochs = np.arange(1, len(h["test_accuracy"]) + 1)
        ax_e.plot(epochs, 100 * h["test_accuracy"], color=color, label=f"{label}, test")
        ax_e.plot(epochs, 100 * h["train_accuracy"], color=color, ls=":", lw=1, label=f"{label}, train")
        ax_t.plot(h["wall_time"], 100 * h["test_accuracy"], color=color, label=label)
        ax_c.plot(epochs, h["train_cost"], color=color, label=label)
    for t in thresholds:
        for ax in (ax_e, ax_t):
            ax.axhline(100 * t, color="gray", ls="--", lw=0.8)
        ax_t.text(ax_t.get_xlim()[0], 100 * t, f" {100 * t:.1f} %", va="bottom", fontsize=8, color="gray")
    ax_e.axhline(97.35, color="k", ls=":", lw=0.8, label="seed: reference 97.35 % (600 epochs)")
    low = min(np.min(reference["test_accuracy"][len(reference["test_accuracy"]) // 10 :]), min(thresholds))
    for ax in (ax_e, ax_t):
        ax.set_ylim(100 * low - 1, 100)
    ax_e.set(xlabel="epoch", ylabel="accuracy [%]", title="accuracy vs epoch")
    ax_t.set(xlabel="wall time since start [s]", ylabel="test accuracy [%]", title="test accuracy vs time")
    ax_c.set(xlabel="epoch", ylabel="cross-entropy + L2 term", yscale="log", title="total training cost")
    by = {r["quantity"]: r for r in rows}
    fmt = lambda v: "—" if not np.isfinite(v) else f"{v:.1f}×"  # noqa: E731
    lines = ["speed-up (reference s / clustered s): ours | seed"]
    targets = [f"{t:g}{s}" for s in ("", "_stable") for t in thresholds] + ["reference_final"]
    for q in (f"s_to_{t}" for t in targets if f"s_to_{t}" in by):
        lines.append(f"{q[5:]}: {fmt(by[q]['ratio'])} | {fmt(by[q]['seed_ratio'])}")
    box = dict(facecolor="white", alpha=0.8, lw=0.5)
    ax_c.text(0.98, 0.97, "\n".join(lines), transform=ax_c.transAxes, ha="right", va="top", fontsize=7, bbox=box)
    for ax in (ax_e, ax_t, ax_c):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower left" if ax is not ax_t else "upper left")
    fig.suptitle("The seed's MLP (70-30-10) on standardized pixels vs on KMeans cluster distances (— = not reached)")
    return save(fig, path)


def _gray(ax, image, title):
    ax.imshow(image, cmap="gray", vmin=0, vmax=255)
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()


def dream_row(map_index, result, original, path):
    """The seed's row: pattern (viridis), pattern (gray), blurry dream, detail-restored, contrast."""
    before, after = result["losses"][0, 0], result["losses"][-1, 1]
    fig, axes = plt.subplots(1, 6, figsize=(16, 3.2))
    _gray(axes[0], original, "input")
    axes[1].imshow(result["patterns"][-1], cmap="viridis")
    axes[1].set_title("28×28 pattern (viridis)", fontsize=8)
    axes[1].set_axis_off()
    axes[2].imshow(result["patterns"][-1], cmap="gray")
    axes[2].set_title("28×28 pattern (gray)", fontsize=8)
    axes[2].set_axis_off()
    _gray(axes[3], np.clip(result["blurry"][-1], 0, 255), "blurry dream (upscaled)")
    _gray(axes[4], np.clip(result["detailed"][-1], 0, 255), "detail re-added")
    _gray(axes[5], result["final"], "contrast widened")
    state = "silent on this image: nothing to carve" if max(before, after) <= 0 else f"loss {before:.3g} → {after:.3g}"
    fig.suptitle(f"conv3 map {map_index} dreams: {state}", fontsize=10)
    return save(fig, path)


def dream_gallery(finals, path):
    """Every computed single-map dream in one sheet."""
    maps = sorted(finals)
    cols = min(5, len(maps))
    rows = -(-len(maps) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, m in zip(axes.ravel(), maps, strict=False):
        image, loss = finals[m]
        _gray(ax, image, f"map {m} (loss {loss:.3g})")
    fig.suptitle("Single-map dreams of conv3", fontsize=11)
    return save(fig, path)


def deepdream(result, original, title, path):
    """Input, DeepDream, its contrast-widened version, and the dream after every octave."""
    from .dream import contrast

    n = len(result["octave_images"])
    fig = plt.figure(figsize=(3 * max(3, n), 6.4))
    grid = fig.add_gridspec(2, max(3, n))
    for i, (img, label) in enumerate(((original, "input"), (result["dream"], "DeepDream"),
                                      (contrast(result["dream"]), "contrast widened"))):
        _gray(fig.add_subplot(grid[0, i]), img, label)
    for i, (img, s) in enumerate(zip(result["octave_images"], result["sizes"], strict=True)):
        _gray(fig.add_subplot(grid[1, i]), img, f"after octave {i + 1} ({s} px)")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)
