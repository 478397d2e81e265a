"""HDF5 and TSV files: atomic writes, self-describing attributes, validating reads.

Model files are ``models``' and the provenance every file carries is ``provenance``'s: an edit there
reruns only the jobs that load a model, or (provenance) that write a file.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

import h5py
import numpy as np

from . import provenance


class StoreError(RuntimeError):
    """A stored file is missing or lacks what its reader needs."""


@contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    A job that fails half-way leaves the old file (or none), never a truncated one. The temp file's
    name carries the writer's pid (``.map_046.h5.<pid>.<random>.h5``): a writer killed by SIGKILL
    cannot remove its temp file, so the next writer of ``path`` removes those of dead writers.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=suffix or ".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are meant to be shared
        os.replace(tmp, path)
    except OSError as err:  # disk full, file size limit (EFBIG), quota: name the output, say nothing changed
        raise StoreError(
            f"{path}: writing failed ({err}); nothing written, no partial file left (in a Snakemake job the old "
            "file was removed before the job started: free the space or lift the limit and run it again)"
        ) from err
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _remove_stale_temps(path):
    """Remove temp files of ``path`` left by writers that died (SIGKILL, OOM killer, node loss).

    Snakemake runs one job per output, so no other live writer of ``path`` can exist; the pid check
    only spares a process of this host that still writes it outside Snakemake (a notebook, a test).
    """
    own = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[a-z0-9_]{{8}}")  # mkstemp: 8 of [a-z0-9_]
    for sibling in path.parent.glob(f".{glob.escape(path.name)}.*"):
        match = own.match(sibling.name)
        if match and not _alive(int(match[1])):
            with suppress(FileNotFoundError):  # another process may have removed it first
                sibling.unlink()


def _alive(pid):
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _attr_value(value):
    # h5py attributes hold scalars, strings and arrays; anything nested travels as JSON.
    if value is None or isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, Path):
        return str(value)
    return value


def digest(settings):
    """A short stable name for a dict of ``settings``: of the same JSON they are stored as in attrs."""
    return hashlib.sha256(_attr_value(dict(settings)).encode()).hexdigest()[:16]


def write_h5(path, datasets, attrs=None):
    """Write ``datasets`` (name -> array) and ``attrs`` to ``path`` atomically.

    Provenance (library versions, backend, host, CPU, time) is added to every file.
    """
    meta = provenance.stamp()
    meta.update(attrs or {})
    with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        for name, value in datasets.items():
            f.create_dataset(name, data=np.asarray(value), **_compression(value))
        for key, value in meta.items():
            f.attrs[key] = _attr_value(value)
    return Path(path)


def _compression(value):
    """gzip behind HDF5's byte shuffle for a dataset over 64 KiB, lossless: shuffled, the floats' like
    high bytes sit together and gzip finds them. A 560x560 float32 dream: 1.12 MB -> 0.92 MB; the
    paper run's HDF5 files 208 -> 175 MB (results/ 277 -> 244 MB, docs/measurements.md)."""
    if np.asarray(value).nbytes > 1 << 16:
        return {"compression": "gzip", "shuffle": True}
    return {}


def read_h5(path, required=(), attrs_required=()):
    """Read every dataset and attribute of ``path``; name the file, what is wrong and how to rebuild it."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: file not found (run the rule that produces it first)")
    try:
        with h5py.File(path, "r") as f:
            if "maps" in f.attrs:  # its datasets sit in one group per map
                raise StoreError(f"{path}: a chunk file of maps {_decode(f.attrs['maps'])}: read it with read_maps")
            missing = [k for k in required if k not in f]
            missing += [f"attribute {k!r}" for k in attrs_required if k not in f.attrs]
            if missing:
                raise StoreError(f"{path}: missing {', '.join(map(str, missing))}; {_rebuild(path)}")
            data = {k: f[k][()] for k in f}
            attrs = {k: _decode(v) for k, v in f.attrs.items()}
    except (OSError, KeyError) as err:  # h5py: truncated, not HDF5, or a damaged object inside
        raise StoreError(f"{path}: not a readable HDF5 file, truncated or foreign ({err}); {_rebuild(path)}") from err
    return data, attrs


def write_maps(path, results, attrs=None):
    """Write a chunk's maps to one file atomically: ``results`` {map: (datasets, attrs)}, each map in
    its group ``map_NNN``; the file's own attrs hold ``maps`` (in order), provenance and ``attrs``.

    A chunk of one map is ``map_056.h5``, of several ``map_046-056.h5`` (plumbing.chunks); both are
    read by ``read_maps``. A chunk may hold no map (a two-stage screening when the random stage found
    every map of the chunk).
    """
    meta = {**provenance.stamp(), **(attrs or {}), "maps": [int(m) for m in results]}
    with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        for key, value in meta.items():
            f.attrs[key] = _attr_value(value)
        for m, (datasets, map_attrs) in results.items():
            group = f.create_group(map_group(m))
            for name, value in datasets.items():
                group.create_dataset(name, data=np.asarray(value), **_compression(value))
            for key, value in {**map_attrs, "map": int(m)}.items():
                group.attrs[key] = _attr_value(value)
    return Path(path)


def map_group(m):
    """The group of map ``m`` in a chunk file."""
    return f"map_{int(m):03d}"


def read_maps(path, required=(), attrs_required=()):
    """{map: (datasets, attrs)} of a chunk file, in its order; each map's attrs are the file's
    (provenance, ...) updated by the map's own (``map`` among them). Names what is missing, as read_h5."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: file not found (run the rule that produces it first)")
    try:
        with h5py.File(path, "r") as f:
            if "maps" not in f.attrs:
                raise StoreError(f"{path}: not a chunk file of maps (no attribute 'maps'); {_rebuild(path)}")
            common = {k: _decode(v) for k, v in f.attrs.items() if k != "maps"}
            out = {}
            for m in _decode(f.attrs["maps"]):
                group = f.get(map_group(m))
                missing = [map_group(m)] if group is None else []
                missing += [f"{map_group(m)}/{k}" for k in required if group is not None and k not in group]
                missing += [f"attribute {k!r}" for k in attrs_required if group is not None and k not in group.attrs
                            and k not in common]  # fmt: skip
                if missing:
                    raise StoreError(f"{path}: missing {', '.join(missing)}; {_rebuild(path)}")
                attrs = {**common, **{k: _decode(v) for k, v in group.attrs.items()}}
                out[int(m)] = ({k: group[k][()] for k in group}, attrs)
    except (OSError, KeyError) as err:
        raise StoreError(f"{path}: not a readable HDF5 file, truncated or foreign ({err}); {_rebuild(path)}") from err
    return out


def read_map(path, m=None, required=(), attrs_required=()):
    """(datasets, attrs) of map ``m`` in a chunk file; ``m`` None: the file's only map (map_056.h5)."""
    maps = read_maps(path, required, attrs_required)
    if m is None and len(maps) == 1:
        return next(iter(maps.values()))
    if m is None or int(m) not in maps:
        raise StoreError(f"{path}: holds maps {list(maps)}, not {'one map' if m is None else int(m)}")
    return maps[int(m)]


def read_chunks(paths, required=(), attrs_required=()):
    """{map: (datasets, attrs)} of every chunk file in ``paths`` (a str: one file), in order."""
    out = {}
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        out.update(read_maps(path, required, attrs_required))
    return out


def _rebuild(path):
    # Deleting alone would do too, but --force on the file reruns exactly its job and nothing upstream.
    return f"rebuild it with `snakemake {path} --force` and your usual options (--cores, --configfile last)"


def _decode(value):
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str) and value[:1] in '[{"n' and value not in ("nan",):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def write_tsv(frame, path):
    """Write a pandas DataFrame as TSV atomically."""
    with atomic_path(path, suffix=".tsv") as tmp:
        frame.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return Path(path)
