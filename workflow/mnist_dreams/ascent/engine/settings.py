"""One frozen value for an ascent's options, built once from the config's ``oip`` section.

``Settings.from_config`` reads every option (a missing key is its default, so a job's params, which
leave off the options that are off, read back to the same value); ``params`` says which of them
enter a job's params: the options that are on, so a result made before an option existed stays
valid. The engine reads only this value: no half-filled dicts, no ``.get`` with a default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .penalties import PENALTIES

STYLES = ("auto", "seed", "smooth")
BOUNDS = ("none", "clip")


@dataclass(frozen=True)
class Settings:
    epochs: int
    step_size: float
    penalties: tuple[tuple[str, float], ...] = ()  # (name, weight) of those on, in PENALTIES' order
    diversity: float = 0.0
    parameterization: str = "pixel"
    jitter: int = 0
    scale: float = 0.0
    rotate: float = 0.0
    style: str = "seed"
    bound: str = "none"  # "clip": every update clipped into the input's range (ascent.input_range)

    @classmethod
    def from_config(cls, oip):
        """The ascent of ``oip`` (the config's section, or a job's params of it)."""
        weights = tuple((n, float(oip[n])) for n in PENALTIES if oip.get(n))
        return cls(
            epochs=int(oip["epochs"]),
            step_size=float(oip["step_size"]),
            penalties=weights,
            diversity=float(oip.get("diversity", 0.0)),
            parameterization=oip.get("parameterization", "pixel"),
            jitter=int(oip.get("jitter", 0)),
            scale=float(oip.get("scale", 0.0)),
            rotate=float(oip.get("rotate", 0.0)),
            style=oip.get("style", "seed"),
            bound=oip.get("bound", "none"),
        )

    @property
    def weights(self):
        """{penalty: weight} of the penalties that are on."""
        return dict(self.penalties)

    @property
    def robust(self):
        """The affine transforms (zoom or rotation; a shift alone is the seed-era roll)."""
        return bool(self.scale or self.rotate)

    @property
    def rolled(self):
        """The seed's roll: a shift without zoom or rotation, one map per call."""
        return bool(self.jitter) and not self.robust

    @property
    def prunable(self):
        """Whether a dead start provably never moves (``driver``): no term that moves a dead image."""
        return not (self.penalties or self.diversity)

    def params(self, always=(), record_style=False):
        """The options that change a result, in one order: those that are on, and the keys of
        ``always`` whatever their value (the OIP's seed-era jitter, l2 and tv); the style only with
        ``record_style`` and when not the seed's."""
        on = {
            "jitter": self.jitter,
            **{n: dict(self.penalties).get(n, 0.0) for n in PENALTIES},
            "scale": self.scale,
            "rotate": self.rotate,
            "diversity": self.diversity,
        }
        out = {"epochs": self.epochs, "step_size": self.step_size}
        out.update({k: v for k, v in on.items() if v or k in always})
        if self.parameterization != "pixel":
            out["parameterization"] = self.parameterization
        if self.bound != "none":
            out["bound"] = self.bound
        if record_style and self.style != "seed":
            out["style"] = self.style
        return out

    def styled(self, own_model, input_shape):
        """This ascent under its ``style``: ``auto`` is ``seed`` for the seed's CNN (the
        reproduction: the options as they are) and ``smooth`` for a model of ``model.path``;
        ``smooth`` sets each of its options the user left at the seed's value (0, pixel), so an
        explicit setting wins."""
        style = self.style
        if style == "auto":
            style = "smooth" if own_model else "seed"
        if style != "smooth":
            return replace(self, style=style)
        changes = {k: v for k, v in smooth_settings(input_shape).items() if getattr(self, k) in (0, 0.0, "pixel")}
        return replace(self, style=style, **changes)


def smooth_settings(input_shape):
    """The ``smooth`` style for an input of ``input_shape``: the Fourier parameterization with
    decorrelated colour and transforms of 1 px per 28 px of side (at least 1), ±10 % and ±10°.
    Chosen by ``tests/bench/bench_robust.py`` (docs/measurements.md): on the example BatchNorm model
    and an RGB model it cuts the plain ascent's high-frequency share by far more than 2× while the
    OIPs still beat the best test image; transforms alone did not reach 2×."""
    side = int(min(input_shape[:2]))
    return {"parameterization": "fourier", "jitter": max(1, side // 28), "scale": 0.1, "rotate": 10.0}
