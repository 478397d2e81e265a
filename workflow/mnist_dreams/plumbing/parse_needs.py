"""What the Snakefile needs beyond Snakemake while it plans a run, checked where a setting asks for it.

The presets plan with Snakemake alone (its own dependencies: PyYAML, jsonschema…), so a bare
``snakemake`` environment with ``--sdm conda`` can run them, each job in its own conda
environment. A few settings make the plan itself read a file: a photo of the user's (Pillow checks
it before the first dream job), the two-stage choice (numpy + h5py read the random stage's file
to decide which maps need the precursor stage), a user's model (Keras loads it for its layers and
shapes). Without the module, the plan would stop at a bare ``No module named …``; ``require`` names
the setting, the package and the command that installs it instead. Pure standard library.
"""

from __future__ import annotations

import importlib.util
import sys

PIP_NAME = {"PIL": "pillow"}  # import name → the name pip installs it by (the others are the same)


class MissingNeed(RuntimeError):
    """The plan needs a package this Python lacks; the message names the setting and the fix."""


def importable(module: str) -> bool:
    """Whether ``module`` can be imported here (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package that is missing, or a finder that refuses it
        return False


def require(modules: list[str], why: str) -> None:
    """Raise MissingNeed naming ``why`` (the setting) unless every module in ``modules`` is importable."""
    missing = [m for m in modules if not importable(m)]
    if missing:
        names = " ".join(PIP_NAME.get(m, m) for m in missing)
        raise MissingNeed(
            f"{why} needs {names} while Snakemake plans the run, and this Python ({sys.executable}) "
            f"has no {missing[0]}: pip install {names} (envs/requirements.lock pins the versions), or run "
            "snakemake from the project's own environment (make install)"
        )


def model_needs(backend: str) -> list[str]:
    """A user's model is loaded while the plan is made: Keras and the backend it runs on."""
    return ["keras", backend]
