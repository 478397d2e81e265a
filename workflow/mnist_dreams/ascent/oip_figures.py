"""Figures of the OIP engine: per-map OIP panels, precursor screening, the layer atlas and coverage."""

from __future__ import annotations

import numpy as np

from ..report.figures import pattern, picture, plt, save


def oip_panel(map_index, result, path, layer="conv3", examples=None):
    """The map's k OIPs in viridis with their final loss (the seed's panels), starts below in gray;
    with ``examples`` (``map_examples``), the test images that excite the map most and least below."""
    k = len(result["final_loss"])
    order = np.argsort(-result["final_loss"], kind="stable")
    fig = plt.figure(figsize=(max(1.6 * k, 10.5), 3.6 if examples is None else 6.4))
    top, bottom = fig.subfigures(2, 1, height_ratios=(3.6, 2.8)) if examples else (fig, None)
    axes = top.subplots(2, k, squeeze=False)
    for col, i in enumerate(order):
        pattern(axes[0, col], result["images"][i], f"loss {result['final_loss'][i]:.3g}")
        pattern(axes[1, col], result["start_images"][i], f"start {result['start_loss'][i]:.2g}", cmap="gray")
    found = "found" if result["final_loss"].max() > 0 else "no OIP found (all losses 0)"
    epochs = result["loss_history"].shape[1]
    top.suptitle(f"{layer} map {map_index}: OIPs after {epochs} epochs — {found}", fontsize=10)
    if examples:
        _examples(bottom, examples, result["final_loss"].max())
    return save(fig, path)


def map_examples(stored, map_index):
    """One map's rows of ``examples.h5`` (subject.examples.sheet), for ``oip_panel``."""
    return {key: stored[key][map_index] for key in stored if key.startswith(("top_", "bottom_"))}


def _examples(fig, ex, best_loss):
    """Two rows of test images: the most exciting (activation and label) and the least exciting."""
    n = ex["top_images"].shape[0]
    axes = fig.subplots(2, n, squeeze=False)
    for row, side in enumerate(("top", "bottom")):
        for col in range(n):
            label = int(ex[f"{side}_label"][col])
            title = f"{ex[f'{side}_activation'][col]:.3g}" + (f" · {label}" if label >= 0 else "")
            picture(axes[row, col], ex[f"{side}_images"][col].squeeze(-1) if ex[f"{side}_images"].shape[-1] == 1
                    else ex[f"{side}_images"][col], title)  # fmt: skip
    best = float(ex["top_activation"][0])
    ratio = f"; best OIP ÷ best test image = {best_loss / best:.3g}" if best > 0 and best_loss > 0 else ""
    fig.suptitle(f"test images: most exciting (top, activation · label), least (bottom){ratio}", fontsize=9)


STATES = {  # (found, fires on test) → how the atlas frames the map
    (True, True): ("found", "tab:green"),
    (True, False): ("found, silent on test", "tab:olive"),
    (False, True): ("not found", "tab:gray"),
    (False, False): ("not found, silent on test", "tab:red"),
}


def _state(row):
    """How the atlas marks a map: whether it has an OIP, and whether the test set ever wakes it."""
    # fires_on_test empty: no test data for the model; framed as if it fired (found / not found only)
    return STATES[(str(row["found"]) == "True", str(row["fires_on_test"]) != "False")]


def atlas(table, results, path, cols=16, title="conv3 atlas"):
    """The best OIP of every computed map in one grid, framed by state: found / not found / silent.

    ``table``: the layer summary (one row per map); ``results``: map → stored OIP arrays.
    """
    maps = sorted(results)
    if not maps:  # e.g. a rescue after a run that found an OIP for every map
        fig, ax = plt.subplots(figsize=(6, 1.2))
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"{title}: no maps", ha="center", va="center")
        return save(fig, path)
    cols = min(cols, max(1, len(maps)))
    rows = -(-len(maps) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.15 * cols, 1.3 * rows + 0.9), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    by_map = table.set_index("map")
    for ax, m in zip(axes.ravel(), maps, strict=False):
        r = results[m]
        best = int(np.argmax(r["final_loss"]))
        label, color = _state(by_map.loc[m])
        pattern(
            ax,
            r["images"][best],
            f"{m}: {r['final_loss'][best]:.2g}",
            cmap="viridis" if r["final_loss"][best] > 0 else "gray",
        )
        ax.set_axis_on()
        for spine in ax.spines.values():
            spine.set(color=color, linewidth=2.5)
        ax.title.set_color(color)
    states = [_state(by_map.loc[m]) for m in maps]
    legend = "   ".join(f"{color[4:]}: {label} {states.count((label, color))}" for label, color in STATES.values())
    fig.suptitle(f"{title}: best OIP of {len(maps)} maps — frame {legend}", fontsize=9)
    return save(fig, path)


def coverage(table, path, layer="conv3", test_data="the MNIST test set"):
    """Per map: largest activation on the test images (``test_data`` names them), and which maps got an OIP."""
    fig, ax = plt.subplots(figsize=(14, 4.0), layout="constrained")
    has_test = bool(table["max_test_activation"].notna().any())  # empty: no test data for this model
    fires = table["fires_on_test"].astype(str) == "True"
    if has_test:
        ax.bar(table["map"], table["max_test_activation"], color="tab:blue", width=0.9, label="max activation on test")
        silent = table[~fires]
        ax.plot(silent["map"], np.zeros(len(silent)), "x", color="tab:red", label="never fires on test")
    computed = table[table["computed"]]
    found = computed[computed["found"].astype(bool)]
    missed = computed[~computed["found"].astype(bool)]
    top = float(np.nanmax(table["max_test_activation"])) if has_test else 1.0
    ax.plot(found["map"], np.full(len(found), 1.04 * top), "v", color="tab:green", ms=4, label="OIP found")
    ax.plot(missed["map"], np.full(len(missed), 1.04 * top), "v", color="tab:gray", ms=4, label="no OIP found")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8, ncol=4, frameon=False)
    ax.set(xlabel=f"{layer} map", ylabel="max activation on test", xlim=(-1, len(table)), ylim=(0, 1.1 * top))
    on_test = f"{int(fires.sum())} of {len(table)} maps fire on {test_data}"
    if not has_test:
        on_test = "no test images for this model's input (model.data names some)"
    seed = " (seed: 94 of 128)" if layer == "conv3" else ""
    fig.suptitle(f"OIPs found for {len(found)} of {len(computed)} computed maps{seed}; {on_test}", fontsize=10)
    return save(fig, path)


def precursor_panel(map_index, result, path, layer="conv3"):
    """The screening of one map: loss distribution of the grids at each rung, and the top-k starts.

    ``result``: the stored precursor arrays (``rungs``; ``rung_loss`` rungs × patterns, NaN where a
    pattern was pruned before that rung; ``top_indices``, ``top_loss``, ``start_images``).
    """
    k = len(result["top_indices"])
    fig = plt.figure(figsize=(max(10, 1.5 * k), 5.4), layout="constrained")
    grid = fig.add_gridspec(2, k, height_ratios=[1.5, 1.0])
    ax = fig.add_subplot(grid[0, :])
    losses = np.asarray(result["rung_loss"], np.float64)
    finite = losses[np.isfinite(losses)]
    bins = np.linspace(finite.min(), finite.max(), 80) if finite.size and finite.min() < finite.max() else 10
    for rung, row in zip(result["rungs"], losses, strict=True):
        alive = row[np.isfinite(row)]
        ax.hist(alive, bins=bins, histtype="step", lw=1.4, label=f"after {rung} epochs: {len(alive)} grids")
    ax.axvline(float(np.min(result["top_loss"])), color="k", ls="--", lw=0.8, label=f"top {k} cut")
    ax.set(yscale="log", xlabel="map loss (mean activation)", ylabel="grids")
    ax.legend(fontsize=8)
    for col, (idx, loss) in enumerate(zip(result["top_indices"], result["top_loss"], strict=True)):
        pattern(fig.add_subplot(grid[1, col]), result["start_images"][col], f"#{idx}: {loss:.3g}", cmap="gray")
    fig.suptitle(
        f"{layer} map {map_index}: precursor screening of {losses.shape[1]} grids, top {k} starts", fontsize=10
    )
    return save(fig, path)
