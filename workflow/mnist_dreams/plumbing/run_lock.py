"""A killed run resumes by itself: Snakemake's lock of a run that died on this host is lifted.

Snakemake locks a working folder while it runs (``.snakemake/locks``) and marks the outputs of the
jobs it started as incomplete. A graceful stop removes the lock; a hard kill (SIGKILL, a closed
laptop lid, the OOM killer) leaves it, and the next ``snakemake`` stops with a LockException until
someone runs ``--unlock`` — which is unsafe while another run is alive in the folder. So every real
run records who holds the lock (host, pid, the process's start time; ``record``, from the
Snakefile's ``onstart``), and the next run reads it (``lift_if_dead``): a lock recorded on this host
by a process that is gone, with no job of that run still running here, is lifted; a live holder,
or a lock from another host or from before this record existed, stays, and Snakemake's own
LockException protects it. The incomplete outputs are rerun by ``rerun-incomplete`` in the workflow's
default profile. Linux only (``/proc``); elsewhere nothing is lifted.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

RECORD = "mnist-dreams-lock.json"


class LiveJob(RuntimeError):
    """A job of the killed run is still running here: lifting the lock would start it twice."""


def record(workdir="."):
    """Record this process as the holder of the folder's lock (call once the lock is taken)."""
    folder = Path(workdir) / ".snakemake"
    folder.mkdir(exist_ok=True)
    me = os.getpid()
    (folder / RECORD).write_text(json.dumps({"host": socket.gethostname(), "pid": me, "start": _start(me)}))


def lift_if_dead(workdir="."):
    """Lift the lock of a dead run recorded on this host; returns what was done, in words, or None.

    Raises LiveJob when the dead run left a job that still runs here (its process's working folder
    is this one).
    """
    folder = Path(workdir) / ".snakemake"
    locks, path = folder / "locks", folder / RECORD
    if not (locks.is_dir() and any(locks.iterdir()) and path.is_file() and Path("/proc").is_dir()):
        return None
    try:
        held = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if held.get("host") != socket.gethostname() or _alive(held.get("pid"), held.get("start")):
        return None  # another host's run, or a live one: Snakemake's lock protects it
    jobs = _jobs_in(Path(workdir).resolve())
    if jobs:
        raise LiveJob(
            "a job of the run that was killed in this folder still runs: "
            + "; ".join(f"pid {pid} ({cmd[:80]})" for pid, cmd in jobs)
            + ". Wait for it to end, or stop it (kill PID), then run again"
        )
    shutil.rmtree(locks)
    path.unlink()
    return f"lifted the lock of a killed run (pid {held.get('pid')} on {held.get('host')}): it is no longer running"


def _start(pid):
    """The process's start time in clock ticks since boot (tells a pid reused by another process)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid, start):
    return pid is not None and _start(pid) is not None and _start(pid) == start


def _jobs_in(workdir):
    """(pid, command) of the processes other than this one and its parents whose working folder is
    ``workdir``: the jobs a killed Snakemake left behind (its scripts run there)."""
    own = {os.getpid(), os.getppid()}
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) in own:
            continue
        try:
            if Path(os.readlink(proc / "cwd")).resolve() != workdir:
                continue
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if cmd and ".snakemake" in cmd or "snakemake" in cmd:
            found.append((int(proc.name), cmd))
    return found
