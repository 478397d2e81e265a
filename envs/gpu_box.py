"""The workflow on a GPU box that has its own Python with JAX + CUDA and no network (stdlib only).

    python3 envs/gpu_box.py fill wheels/ [--python-version 3.12]   # where the network is
    python3 envs/gpu_box.py venv .venv [--wheels wheels/]           # on the box (make install-gpu)

``fill`` downloads a wheel of every pin of envs/requirements-gpu.txt that the box does not have
already (envs/gpu-box.txt lists what it has), for the box's Python and platform, and builds the
sdist-only ones (connection_pool) into wheels: a folder small enough to carry (the device tool
carries 64 MiB). ``venv`` makes a venv that sees the Python it was started with, packages included:
``python -m venv --system-site-packages`` from a Python that is itself a venv (the box's
/opt/torch/.venv) would see the *base* interpreter's packages instead, without JAX. A ``.pth``
file adds the starting Python's site-packages after the venv's own; then pip installs, without
dependencies and (with ``--wheels``) without an index, every pin the venv does not see yet. The
box's own numpy, JAX and the rest stay as they are.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import site
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def pins(path=HERE / "requirements-gpu.txt"):
    """{distribution: version} of a requirements file's ``name==version`` lines."""
    out = {}
    for line in Path(path).read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            out[match[1]] = match[2]
    return out


def normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def box_has(path=HERE / "gpu-box.txt"):
    """Distributions the GPU box has preinstalled (normalized names)."""
    lines = (line.split("#")[0].strip() for line in Path(path).read_text().splitlines())
    return {normal(line) for line in lines if line}


def fill(dest, python_version, platforms=PLATFORMS, has=None):
    """Wheels of every pin the box lacks into ``dest``; returns (names, MiB)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    has = box_has() if has is None else has
    wanted = {name: version for name, version in pins().items() if normal(name) not in has}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    for name, version in sorted(wanted.items()):
        spec = f"{name}=={version}"
        binary = [*pip, "download", "--no-deps", "--only-binary=:all:", "--python-version", python_version]
        binary += ["--implementation", "cp", *[f"--platform={p}" for p in platforms], "-d", str(dest), spec]
        if subprocess.run(binary, capture_output=True, text=True).returncode == 0:
            continue
        # sdist only (connection_pool): build a wheel here, where the build tools can be fetched
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([*pip, "download", "--no-deps", "--no-binary=:all:", "-d", tmp, spec], check=True)
            sdist = next(Path(tmp).iterdir())
            subprocess.run([*pip, "wheel", "--no-deps", "-w", str(dest), str(sdist)], check=True)
    mib = sum(f.stat().st_size for f in dest.glob("*.whl")) / 2**20
    return sorted(wanted), mib


def make_venv(dest, wheels=None):
    """A venv at ``dest`` over this Python's packages, plus the pins they lack (see the module doc)."""
    dest = Path(dest)
    venv.create(dest, with_pip=True, clear=False, symlinks=True)
    python = dest / "bin" / "python"
    inner = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    outer = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(inner) / "_gpu_box_base.pth").write_text("".join(f"{p}\n" for p in outer))
    seen = json.loads(
        subprocess.run(
            [str(python), "-c", "import json, importlib.metadata as m; "
             "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    seen = {normal(name): version for name, version in seen.items()}
    missing = [f"{n}=={v}" for n, v in pins().items() if normal(n) not in seen]
    other = {n: (v, seen[normal(n)]) for n, v in pins().items() if normal(n) in seen and seen[normal(n)] != v}
    for name, (pinned, there) in sorted(other.items()):
        print(f"kept the box's {name} {there} (the lock pins {pinned})")
    if missing:
        source = ["--no-index", "--find-links", str(wheels)] if wheels else []
        cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-deps", *source, *missing]
        subprocess.run(cmd, check=True)
    jax = subprocess.run([str(python), "-c", "import jax; print(jax.__version__)"], capture_output=True, text=True)
    if jax.returncode != 0:
        raise SystemExit(f"{dest}: JAX is not importable there; make install-gpu needs a Python with JAX")
    print(f"{dest}: {len(missing)} packages installed over {sys.executable}'s own; jax {jax.stdout.strip()}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fill", help="download the wheels the GPU box lacks (needs the network)")
    f.add_argument("dest")
    f.add_argument("--python-version", default="3.12", help="the box's Python (3.12 on the lent box)")
    v = sub.add_parser("venv", help="make the workflow's venv over this Python (on the box)")
    v.add_argument("dest")
    v.add_argument("--wheels", help="install from this folder only (no index, no network)")
    args = ap.parse_args(argv)
    if args.command == "fill":
        names, mib = fill(args.dest, args.python_version)
        print(f"{args.dest}: {len(names)} wheels, {mib:.1f} MiB")
    else:
        if importlib.util.find_spec("jax") is None:
            print(f"warning: {sys.executable} has no JAX; the venv will lack it too", file=sys.stderr)
        make_venv(args.dest, args.wheels)


if __name__ == "__main__":
    main()
