"""The random stage decided by a forward pass equals the one from ascending every random start."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
pytestmark = pytest.mark.e2e  # on the tiny preset's CNN (the tiny_run fixture)

PARAMS = {
    "epochs": 60, "step_size": 0.01, "jitter": 0, "l2": 0.0, "tv": 0.0, "start": "random",
    "random": {"count": 24, "top_k": 3, "screen_epochs": 5, "cells": [2, 4, 7, 14], "weights": [1.0, 0.5, 0.25, 0.125]},
}  # fmt: skip
MAPS = list(range(0, 128, 4))  # 32 maps of the tiny CNN's conv3: found and missed ones among them


@pytest.fixture(scope="module")
def both(tiny_run):
    from bench_random_search import both_ways

    from mnist_dreams.subject import models

    cnn = tiny_run / "results/cnn"
    model, mean, std = models.load_cnn(cnn / "model.keras", cnn / "training.h5")
    return both_ways(model, MAPS, PARAMS, 7, mean, std)[0]


def test_the_split_equals_the_full_ascent_of_every_start(both):
    found = {m: bool(full[1]["found"]) for m, (full, _) in both.items()}
    assert 0 < sum(found.values()) < len(MAPS)  # both kinds of map are tested
    for m, (_, (picked, attrs)) in both.items():
        assert attrs["found"] == attrs["found_at_start"] == found[m], m
        # found at the start ⇔ some start has activation > 0: recomputed from the stored start losses
        assert found[m] == bool((picked["random_start_loss"] > 0).any())


def test_the_picked_starts_end_as_they_do_when_all_are_ascended(both):
    for (full, _), (picked, attrs) in both.values():
        cand = np.asarray(picked["candidate"])
        assert len(cand) == 3 and list(cand) == sorted(cand)
        # the same start ascended alone or among all: the same trajectory
        np.testing.assert_allclose(picked["final_loss"], full["final_loss"][cand], rtol=2e-4, atol=1e-6)
        np.testing.assert_array_equal(picked["start_images"], full["start_images"][cand])
        # the screen ranked them: no unpicked start screened higher than a picked one
        screen = picked["random_screen_loss"]
        assert screen[cand].min() >= np.delete(screen, cand).max(initial=-np.inf)
        assert attrs["live_starts"] == int((picked["random_start_loss"] > 0).sum())
