"""The study's runs on disk: per-run records as HDF5 datasets and back (``results/study/``).

A record is one MLP training of ``study.run``: the ``COLUMNS`` that name it, its seed and inputs,
the seconds its KMeans and features took, and the per-epoch ``HISTORY``.
"""

from __future__ import annotations

import numpy as np

HISTORY = ("test_accuracy", "train_accuracy", "train_cost", "test_cost", "wall_time")
COLUMNS = ("variant", "space", "normalization", "fit_on", "stage")


def datasets(runs):
    """HDF5 datasets of the study: histories stacked (run × epoch) and the per-run columns (``records`` inverts)."""
    out = {key: np.stack([r["history"][key] for r in runs]) for key in HISTORY}
    out.update({c: np.asarray([r[c] for r in runs], dtype="S") for c in COLUMNS})
    out.update(
        seed=np.asarray([r["seed"] for r in runs], np.int64),
        n_inputs=np.asarray([r["n_inputs"] for r in runs], np.int64),
        leaks_test=np.asarray([r["leaks_test"] for r in runs], bool),
        **{c: np.asarray([r[c] for r in runs], np.float64) for c in ("kmeans_s", "features_s", "sigma")},
    )
    return out


def records(stored):
    """The run records back from the datasets of a stored study (as ``read_h5`` returns them)."""
    text = lambda c, i: stored[c][i].decode() if isinstance(stored[c][i], bytes) else str(stored[c][i])  # noqa: E731
    return [
        {
            **{c: text(c, i) for c in COLUMNS},
            "leaks_test": bool(stored["leaks_test"][i]),
            "seed": int(stored["seed"][i]),
            "n_inputs": int(stored["n_inputs"][i]),
            **{c: float(stored[c][i]) for c in ("kmeans_s", "features_s", "sigma")},
            "history": {key: stored[key][i] for key in HISTORY},
        }
        for i in range(len(stored["variant"]))
    ]
