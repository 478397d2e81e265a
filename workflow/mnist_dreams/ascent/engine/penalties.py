"""Terms on the image itself, subtracted from an objective (lucid's regularizers): one registry.

``PENALTIES`` is the only list of them: the ascent settings read their weights from the config's
``oip`` section by these names, a job's params carry the ones that are on, and
``objectives.less_penalties`` takes them off a goal in this order. Adding one is a function here,
its entry, and its key in the config's schema and README. All are off (weight 0) by default: a
penalty moves a dead start, so the exact prune holds only without them.
"""

from __future__ import annotations


def l2(x):
    """The image's mean square: keeps pixels near the data's mean (0 in standardized units)."""
    from keras import ops

    return ops.mean(ops.square(x), axis=(1, 2, 3))


def tv(x):
    """Total variation: the mean absolute difference of neighbouring pixels, down and across."""
    from keras import ops

    dy = ops.abs(x[:, 1:, :, :] - x[:, :-1, :, :])
    dx = ops.abs(x[:, :, 1:, :] - x[:, :, :-1, :])
    return ops.mean(dy, axis=(1, 2, 3)) + ops.mean(dx, axis=(1, 2, 3))


def l1(x):
    """The image's mean absolute value: few pixels away from the mean (a sparse pattern)."""
    from keras import ops

    return ops.mean(ops.abs(x), axis=(1, 2, 3))


def blur(x):
    """The mean square difference from the image's own 3×3 box blur, the blurred image held
    fixed (lucent's ``blur_input_each_step``): each step is pulled toward a smoother image."""
    from keras import ops

    smooth = ops.stop_gradient(ops.average_pool(x, 3, strides=1, padding="same"))
    return ops.mean(ops.square(x - smooth), axis=(1, 2, 3))


PENALTIES = {"l2": l2, "tv": tv, "l1": l1, "blur": blur}  # subtracted in this order
