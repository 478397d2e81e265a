"""Figures of article XIV: the KMeans sweep over K and the MLP on pixels vs on cluster distances."""

from __future__ import annotations

import numpy as np

from ..report import claims
from ..report.figures import plt, save


def cluster_sweep(table, elbow_k, path, seed_silhouette_ks=(), seed_time_s=None, note=""):
    """The seed's three sweep plots: time, inertia (with the elbow estimate) and silhouette vs K."""
    k = table["k"]
    fig, (ax_t, ax_i, ax_s) = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    ax_t.plot(k, table["fit_time_s"], "-o", label="KMeans fit")
    ax_t.plot(k, table["silhouette_time_s"], "--s", label="silhouette (share of\none pass for all K)")
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
    ref = claims.REFERENCE_TEST_ACCURACY
    label = f"seed: reference {claims.percent(ref)} ({claims.REFERENCE_EPOCHS.value} epochs)"
    ax_e.axhline(100 * ref.value, color="k", ls=":", lw=0.8, label=label)
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
