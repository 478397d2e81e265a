"""How an ascent sees the image: pixels (the seed's), or the Fourier parameterization with
decorrelated colour (lucid's ``fft_image`` and ``to_valid_rgb``; Olah et al. 2017), as a
preconditioner of the ascent's gradient.

Ascending the spectral coefficients θ of an image x = F⁻¹(S·θ), with S(f) = 1 / max(|f|, 1/n) the
1/f scale of natural images (n: the larger side), moves the image by F⁻¹(S²·F(g)) per step for the
pixel gradient g (the chain rule twice: dL/dθ = S·F(g), and x moves by F⁻¹(S·Δθ)). So the same
ascent is kept in pixels with its gradient low-passed by S²: the stored image stays the standardized
pixel array every reader knows, a start image needs no conversion, a dead start (gradient exactly 0)
still never moves, and the step size keeps its meaning (RMS pixel change per epoch, after the filter).

Decorrelated colour, for 3-channel inputs: likewise, ascending in the colour space whose axes are
uncorrelated in natural images multiplies the gradient's colour vector by M·Mᵀ, M the square root
of their colour covariance. M: lucid's ImageNet estimate (``COLOUR_SQRT``, normalized to the largest
column norm 1), a fact about photos, not about a model.
"""

from __future__ import annotations

import numpy as np
from keras import ops

COLOUR_SQRT = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])


def gains(h, w):
    """(h, w) S² per frequency of ``np.fft.fft2``'s layout: 1 / max(|f|, 1/n)², n = max(h, w)."""
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    scale = 1.0 / np.maximum(np.hypot(fy, fx), 1.0 / max(h, w))
    return (scale / scale.max()) ** 2


def colour_mixing():
    """(3, 3) M·Mᵀ, the gradient's colour change under the decorrelated colour parameterization."""
    m = COLOUR_SQRT / np.linalg.norm(COLOUR_SQRT, axis=0).max()
    return m @ m.T


def preconditioner(shape):
    """``g -> g'`` in ``keras.ops`` for images of ``shape`` (h, w, c): each channel of the gradient
    low-passed by ``gains``; for c = 3 also mixed by ``colour_mixing``."""
    h, w, c = (int(s) for s in shape)
    gain = ops.convert_to_tensor(gains(h, w).astype(np.float32))
    mixing = ops.convert_to_tensor(colour_mixing().astype(np.float32)) if c == 3 else None

    def apply(g):
        channels_first = ops.transpose(g, (0, 3, 1, 2))  # fft2 works on the last two axes
        real, imag = ops.fft2((channels_first, ops.zeros_like(channels_first)))
        # S² is real and even in f, so the filtered gradient is real: the imaginary part is rounding
        filtered, _ = ops.ifft2((real * gain, imag * gain))
        g = ops.transpose(filtered, (0, 2, 3, 1))
        return ops.einsum("bhwc,cd->bhwd", g, mixing) if mixing is not None else g

    return apply


PARAMETERIZATIONS = ("pixel", "fourier")


def preconditioner_for(model, parameterization="pixel"):
    """The gradient filter of ``parameterization`` for the model's input: None for pixels."""
    if parameterization not in PARAMETERIZATIONS:
        raise ValueError(f"parameterization must be one of {PARAMETERIZATIONS}, got {parameterization!r}")
    return preconditioner(model.inputs[0].shape[1:]) if parameterization == "fourier" else None
