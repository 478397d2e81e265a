"""The per-map pattern numbers on images whose spectrum and similarity are known by construction."""

import numpy as np
import pytest

from mnist_dreams.ascent import pattern_numbers as pn


def _wave(cycles_per_pixel, size=28, channels=1):
    x = np.arange(size)
    return np.repeat(np.tile(np.cos(2 * np.pi * cycles_per_pixel * x), (size, 1))[..., None], channels, axis=-1)


@pytest.mark.parametrize(("frequency", "share"), [(0.5, 1.0), (5 / 14, 1.0), (3 / 28, 0.0), (1 / 28, 0.0)])
def test_a_single_frequency_is_all_above_or_all_below_half_nyquist(frequency, share):
    assert pn.high_frequency_share(_wave(frequency)) == pytest.approx(share, abs=1e-9)


def test_white_noise_puts_its_share_of_the_frequency_plane_above_half_nyquist():
    """Flat spectrum: the share is the fraction of the frequency grid outside radius 0.25."""
    rng = np.random.default_rng(0)
    shares = [pn.high_frequency_share(rng.normal(size=(64, 64, 3))) for _ in range(20)]
    f = np.fft.fftfreq(64)
    radius = np.hypot(*np.meshgrid(f, f, indexing="ij"))
    expected = (radius > 0.25).sum() / (radius.size - 1)  # DC carries nothing after the mean is removed
    assert np.mean(shares) == pytest.approx(expected, abs=0.01)


def test_channels_add_their_power_and_a_constant_image_has_no_share():
    mixed = np.concatenate([_wave(5 / 14), _wave(1 / 28)], axis=-1)  # one high, one low channel, equal power
    assert pn.high_frequency_share(mixed) == pytest.approx(0.5, abs=1e-9)
    assert np.isnan(pn.high_frequency_share(np.full((28, 28, 1), 3.0)))


def test_diversity_of_identical_orthogonal_and_too_few_candidates():
    a, b = _wave(1 / 28), _wave(3 / 28)  # zero-mean, orthogonal over whole periods
    assert pn.diversity(np.stack([a, a, 2 * a]), [1, 1, 1]) == pytest.approx(0.0, abs=1e-12)
    assert pn.diversity(np.stack([a, b]), [1, 1]) == pytest.approx(1.0, abs=1e-9)
    assert pn.diversity(np.stack([a, -a]), [1, 1]) == pytest.approx(2.0, abs=1e-9)
    assert np.isnan(pn.diversity(np.stack([a, b]), [1, 0]))  # one found candidate: no pair
    assert pn.diversity(np.stack([a, b, a]), [1, 0, 1]) == pytest.approx(0.0, abs=1e-12)  # unfound b left out


def test_per_map_numbers_use_the_best_candidate_and_are_nan_without_an_oip():
    images = np.stack([_wave(1 / 28), _wave(0.5)])
    numbers = pn.per_map({"images": images, "final_loss": np.array([0.5, 2.0])}, best_test_activation=4.0)
    assert numbers["oip_vs_best_test"] == pytest.approx(0.5)
    assert numbers["high_frequency_share"] == pytest.approx(1.0)  # the best candidate is the fine wave
    assert numbers["diversity"] == pytest.approx(1.0, abs=1e-9)
    assert np.isnan(pn.per_map({"images": images, "final_loss": np.array([0.5, 2.0])})["oip_vs_best_test"])
    clipped = {"in_range_loss": np.array([0.4, 1.0]), "in_range_share": np.array([1.0, 0.25])}
    in_range = pn.per_map({"images": images, "final_loss": np.array([0.5, 2.0]), **clipped}, 4.0)
    assert in_range["in_range_ratio"] == pytest.approx(0.25) and in_range["in_range_share"] == 0.25  # the best's
    assert np.isnan(numbers["in_range_ratio"]) and np.isnan(numbers["in_range_share"])  # an older file
    dead = pn.per_map({"images": images, "final_loss": np.zeros(2)}, 4.0)
    assert all(np.isnan(v) for v in dead.values())
