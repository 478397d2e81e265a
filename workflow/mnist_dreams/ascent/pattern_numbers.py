"""Numbers that say whether a map's OIP is worth looking at, per map of the layer summary.

- ``ratio``: the best OIP's activation ÷ the best test image's (both the mean of the map over
  positions): above 1, the pattern excites the map more than anything in the data does.
- ``in_range_ratio``: the same for the best OIP clipped to the values an input image can take
  (``input_range``): the seed's unbounded ascent beats the data partly with impossible pixels;
  this is what an image could show. ``in_range_share``: the share of the OIP's values in range.
- ``high_frequency_share``: the share of the OIP's spectral power above half the Nyquist frequency
  (radial frequency > 0.25 cycles per pixel; the mean removed). Pixel noise, the peers' users'
  complaint about plain ascent, puts ~80 % there (white noise: 1 − π/16); a smooth pattern, little.
- ``diversity``: the mean pairwise cosine distance between the map's found candidates (images,
  mean removed): 0 when they are one pattern, ~1 when unrelated; NaN with fewer than two found.
- ``style_diversity``: 1 − the mean pairwise cosine similarity of the found candidates' Gram
  matrices on the layer (``gram_similarity``, stored by the OIP job): what ``oip.diversity``
  pushes up. Random starts already differ pixel by pixel (diversity ~0.9) while the layer sees
  much the same texture in them; this number says how differently the layer sees them.
"""

from __future__ import annotations

import numpy as np

HALF_NYQUIST = 0.25  # cycles per pixel
NUMBERS = ("oip_vs_best_test", "in_range_ratio", "in_range_share", "high_frequency_share", "diversity",
           "style_diversity")  # fmt: skip


def high_frequency_share(image):
    """Share of the power of ``image`` (h, w[, c]) above half the Nyquist frequency, channels summed."""
    image = np.asarray(image, np.float64)
    if image.ndim == 2:
        image = image[..., None]
    centred = image - image.mean(axis=(0, 1), keepdims=True)
    power = (np.abs(np.fft.fft2(centred, axes=(0, 1))) ** 2).sum(axis=-1)
    fy, fx = np.meshgrid(np.fft.fftfreq(image.shape[0]), np.fft.fftfreq(image.shape[1]), indexing="ij")
    total = power.sum()
    return float(power[np.hypot(fy, fx) > HALF_NYQUIST].sum() / total) if total > 0 else float("nan")


def diversity(images, final_loss):
    """Mean pairwise cosine distance of the found candidates (``final_loss`` > 0) of one map."""
    found = np.asarray(images, np.float64)[np.asarray(final_loss) > 0]
    if len(found) < 2:
        return float("nan")
    flat = found.reshape(len(found), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    flat /= np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12)
    cos = flat @ flat.T
    pairs = np.triu_indices(len(found), 1)
    return float(np.mean(1.0 - cos[pairs]))


def gram_similarity(acts):
    """(k, k) cosine similarities of the Gram matrices (channels × channels over the positions) of
    the layer activations ``acts`` (k, h, w, c): the quantity ``goals.sibling_similarity`` lowers."""
    a = np.asarray(acts, np.float64)
    a = a.reshape(len(a), -1, a.shape[-1])
    gram = np.einsum("bpc,bpd->bcd", a, a).reshape(len(a), -1)
    gram /= np.maximum(np.linalg.norm(gram, axis=1, keepdims=True), 1e-12)
    return gram @ gram.T


def style_diversity(similarity, final_loss):
    """1 − the mean pairwise Gram similarity (``gram_similarity``) of the found candidates."""
    found = np.flatnonzero(np.asarray(final_loss) > 0)
    if len(found) < 2:
        return float("nan")
    sim = np.asarray(similarity)[np.ix_(found, found)]
    return float(1.0 - sim[np.triu_indices(len(found), 1)].mean())


def per_map(result, best_test_activation=np.nan):
    """The three numbers of one map's stored OIP result (``images``, ``final_loss``); NaN where the
    map has no OIP (every candidate at loss 0) or no test data."""
    loss = np.asarray(result["final_loss"])
    if loss.max() <= 0:
        return {k: np.nan for k in NUMBERS}
    best = int(np.argmax(loss))
    ratio = float(loss[best] / best_test_activation) if best_test_activation > 0 else np.nan
    clipped = result.get("in_range_loss")  # files made before the OIP job stored it: NaN
    return {
        "oip_vs_best_test": ratio,
        "in_range_ratio": float(clipped[best] / best_test_activation)
        if clipped is not None and best_test_activation > 0
        else np.nan,
        "in_range_share": float(result["in_range_share"][best]) if "in_range_share" in result else np.nan,
        "high_frequency_share": high_frequency_share(result["images"][best]),
        "diversity": diversity(result["images"], loss),
        # files made before the OIP job stored it: NaN
        "style_diversity": style_diversity(result["gram_similarity"], loss) if "gram_similarity" in result else np.nan,
    }
