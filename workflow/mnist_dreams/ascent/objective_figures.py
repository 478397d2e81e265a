"""The figure of one objective (``objectives``): its candidates, their starts, and how the value grew."""

from __future__ import annotations

import numpy as np

from ..report.figures import pattern, plt, save


def panel(result, attrs, path):
    """Candidates sorted by their final value (best first; lowest first when minimizing) in viridis,
    titled with the value and, for a model with classes, what it says the image is; their random
    starts below in gray; on the right each candidate's value per epoch."""
    spec = attrs["spec"]
    final = np.asarray(result["final_value"])
    order = np.argsort(final if spec["minimize"] else -final, kind="stable")
    k = len(order)
    fig = plt.figure(figsize=(1.7 * k + 3.6, 3.8))
    grid = fig.add_gridspec(2, k + 2, width_ratios=[1] * k + [0.15, 2.2])
    output = result.get("output")
    for col, i in enumerate(order):
        says = ""
        if output is not None:
            c = int(np.argmax(output[i]))
            says = f"\nsays {c}" + (f" ({output[i, c]:.0%})" if attrs.get("class_score") == "logit" else "")
        pattern(fig.add_subplot(grid[0, col]), result["images"][i], f"{final[i]:.3g}{says}")
        start = result["start_images"][i]
        pattern(fig.add_subplot(grid[1, col]), start, f"start {result['start_value'][i]:.2g}", cmap="gray")
    ax = fig.add_subplot(grid[:, -1])
    history = np.asarray(result["value_history"])
    epochs = np.arange(1, history.shape[1] + 1)
    for i in order:
        ax.plot(epochs, history[i], lw=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("objective value")
    ax.grid(alpha=0.3)
    score = " (class scores before the softmax)" if attrs.get("class_score") == "logit" and _has_class(spec) else ""
    fig.suptitle(f"objective {attrs['objective']}: {describe(spec)}{score}", fontsize=10)
    return save(fig, path)


def gallery(results, path, cols=10):
    """Every objective's best candidate (lowest when minimizing), titled with its name and, for a
    model with classes, the class the model says it is: ``results`` [(datasets, attrs)] in config order."""
    n = len(results)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, min(n, cols), figsize=(1.6 * min(n, cols) + 0.4, 1.9 * rows + 0.5), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for ax, (result, attrs) in zip(axes.flat, results, strict=False):
        final = np.asarray(result["final_value"])
        best = int(np.argmin(final) if attrs["spec"]["minimize"] else np.argmax(final))
        output = result.get("output")
        says = f"\nsays {int(np.argmax(output[best]))}" if output is not None else ""
        pattern(ax, result["images"][best], f"{attrs['objective']}{says}")
    fig.suptitle("objectives: each one's best candidate", fontsize=10)
    return save(fig, path)


def _has_class(spec):
    return any(t["kind"] == "class" for t in spec["terms"])


def describe(spec):
    """One line for a figure's title: "maximize class 3", "minimize conv3 ch 46 + 0.5 × …"."""
    parts = []
    for t in spec["terms"]:
        what = {
            "channel": f"{t['layer']} ch {t.get('channel')}",
            "neuron": f"{t['layer']} ch {t.get('channel')} at {tuple(t.get('position', ()))}",
            "direction": f"{t['layer']} direction",
            "class": f"class {t.get('class')}",
        }[t["kind"]]
        parts.append(what if t["weight"] == 1 else f"{t['weight']:g} × {what}")
    return ("minimize " if spec["minimize"] else "maximize ") + " + ".join(parts)
