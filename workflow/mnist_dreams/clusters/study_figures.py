"""The study's figure: every variant's test accuracy vs epoch and vs wall time, and the final ranking."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from ..report.claims import percent
from ..report.figures import plt, save
from .normalize import NORMALIZATIONS, SPACES
from .study import REFERENCE, SEED_FINAL

COLORS = {name: f"C{i}" for i, name in enumerate(NORMALIZATIONS)}
STYLES = dict(zip(SPACES, ("-", "--", ":"), strict=True))


def study(runs, summary, thresholds, path, title=""):
    """Rows: one per fit set (the screening runs, first seed). Columns: test accuracy vs epoch and vs
    wall time, the thresholds dashed; right: mean final accuracy per variant over its seeds."""
    screen = [r for r in runs if r["stage"] == "screen"]
    reference = next(r for r in screen if r["variant"] == REFERENCE)
    fit_sets = list(dict.fromkeys(r["fit_on"] for r in screen if r["variant"] != REFERENCE))
    fig = plt.figure(figsize=(18, 4.2 * max(1, len(fit_sets)) + 1), layout="constrained")
    grid = fig.add_gridspec(max(1, len(fit_sets)), 3, width_ratios=(1, 1, 0.9))
    low, high = _ylim(runs, summary, thresholds)
    for i, fit_on in enumerate(fit_sets):
        ax_e, ax_t = fig.add_subplot(grid[i, 0]), fig.add_subplot(grid[i, 1])
        for r in [r for r in screen if r["fit_on"] == fit_on] + [reference]:
            acc, wall = 100 * r["history"]["test_accuracy"], r["history"]["wall_time"]
            style = _style(r)
            ax_e.plot(np.arange(1, len(acc) + 1), acc, **style)
            ax_t.plot(wall, acc, **style)
        for ax, xlabel in ((ax_e, "epoch"), (ax_t, "wall time since start [s]")):
            _thresholds(ax, thresholds)
            ax.set(xlabel=xlabel, ylabel="test accuracy [%]", ylim=(100 * low, 100 * high))
            ax.grid(alpha=0.3)
        leak = " (leaks the test images)" if fit_on == "train+test" else ""
        ax_e.set_title(f"KMeans fitted on {fit_on}{leak}: vs epoch", fontsize=10)
        ax_t.set_title("vs wall time (same job, one run after the other)", fontsize=10)
    fig.legend(handles=_legend(screen, thresholds), fontsize=8, loc="outside lower center", ncols=6)
    _ranking(fig.add_subplot(grid[:, 2]), summary, thresholds, low, high)
    fig.suptitle(title, fontsize=10)
    return save(fig, path)


def _style(run):
    if run["variant"] == REFERENCE:
        return dict(color="k", lw=1.8, zorder=3)
    return dict(color=COLORS[run["normalization"]], ls=STYLES[run["space"]], lw=1.0, alpha=0.85)


def _thresholds(ax, thresholds):
    for t in thresholds:  # named in the legend: the seed's are too close together to label each
        ax.axhline(100 * t, color="gray", ls="--", lw=0.7)
    ax.axhline(100 * SEED_FINAL[REFERENCE].value, color="k", ls=":", lw=0.7)


def _legend(runs, thresholds):
    norms, spaces = {r["normalization"] for r in runs}, {r["space"] for r in runs}
    handles = [Line2D([], [], color="k", lw=1.8, label="reference (784 standardized pixels)")]
    handles += [Line2D([], [], color=c, label=f"distances: {n}") for n, c in COLORS.items() if n in norms]
    handles += [Line2D([], [], color="gray", ls=s, label=f"space: {n}") for n, s in STYLES.items() if n in spaces]
    reference = f"seed's reference, {percent(SEED_FINAL[REFERENCE])}"
    handles.append(Line2D([], [], color="k", ls=":", lw=0.7, label=reference))
    marks = ", ".join(f"{100 * t:.2f}" for t in thresholds)
    handles.append(Line2D([], [], color="gray", ls="--", lw=0.7, label=f"thresholds: {marks} %"))
    return handles


def _ranking(ax, summary, thresholds, low, high):
    """Mean final accuracy per variant, ± std over its seeds; hollow = KMeans saw the test images.
    A variant below the plotted range sits at its left edge, its value written beside it."""
    rows = summary.iloc[::-1]  # best on top
    for y, row in enumerate(rows.itertuples()):
        color = "k" if row.variant == REFERENCE else COLORS[row.normalization]
        x = max(row.final_test_accuracy, low)
        face = "white" if row.leaks_test else color
        ax.errorbar(100 * x, y, xerr=100 * np.nan_to_num(row.final_test_accuracy_std), fmt="o", color=color,
                    mfc=face, ms=6, lw=0.8, capsize=2)  # fmt: skip
        ax.annotate(f"{100 * row.final_test_accuracy:.2f}", (100 * x, y), xytext=(6, 3), textcoords="offset points",
                    fontsize=6, color=color)  # fmt: skip
    labels = [f"{v} ({n})" if n > 1 else v for v, n in zip(rows["variant"], rows["n_seeds"], strict=True)]
    ax.set_yticks(np.arange(len(rows)), labels, fontsize=6 if len(rows) > 20 else 8)
    for t in thresholds:
        ax.axvline(100 * t, color="gray", ls="--", lw=0.7)
    marks = (("clustered", "C3", 1, "seed's clustered run: ≥"), (REFERENCE, "k", 0.7, "seed's reference:"))
    for name, color, lw, label in marks:
        claim = SEED_FINAL[name]
        ax.axvline(100 * claim.value, color=color, ls=":", lw=lw, label=f"{label} {percent(claim)}")
    ax.set(xlim=(100 * low - 0.1, 100 * high), xlabel="final test accuracy [%] (mean ± std; (n) = seeds)")
    ax.set_title("ranking (hollow = KMeans fitted on train+test)", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3, axis="x")


def _ylim(runs, summary, thresholds):
    """From a little below the lower of (lowest threshold, the median variant) to just above the best."""
    finals = summary["final_test_accuracy"].to_numpy()
    low = min(min(thresholds), float(np.median(finals))) - 0.01
    high = max(max(thresholds), max(float(r["history"]["test_accuracy"].max()) for r in runs)) + 0.003
    return max(low, 0.0), min(high, 1.0)
