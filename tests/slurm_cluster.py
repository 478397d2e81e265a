"""A throwaway single-host SLURM for tests: munged, slurmctld and slurmd from the Debian packages.

Everything lives under one directory: the munge key and socket, slurm.conf and gres.conf, state and
spool folders, logs and pid files. Daemons run in the foreground as children of this process, so
they are stopped by their PIDs, and clients (and Snakemake) find the cluster through ``SLURM_CONF``
alone; nothing in /etc, /run or /var is read or written. No slurmdbd: without accounting, ``squeue``
is the status command, and jobs stay visible to ``scontrol show job`` for ``MinJobAge`` seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager, suppress
from pathlib import Path

# Debian package → the binaries the cluster needs from it (daemons live in /usr/sbin).
PACKAGES = {
    "munge": ("munged",),
    "slurmctld": ("slurmctld",),
    "slurmd": ("slurmd", "slurmstepd"),
    "slurm-client": ("sbatch", "srun", "squeue", "scontrol", "sinfo", "scancel"),
}
SBIN = ("/usr/sbin", "/sbin")
NODE = "localhost"  # resolves everywhere; slurmctld accepts it as its own host name, slurmd gets it via -N
START_S = 60
ACTIVE = "PENDING,CONFIGURING,RUNNING,COMPLETING,SUSPENDED"  # job states that hold or may take the node

# The node claims more than a small CI box has: SlurmdParameters=config_overrides keeps slurmd from
# draining it for that, and without cgroups (task/none, jobacct_gather/none) nothing enforces the
# numbers, they only let a GPU job, a KMeans job and an MLP job be scheduled side by side.
NODE_CPUS = 4
NODE_MEM_MB = 16000

SLURM_CONF = """\
ClusterName=snaketest
SlurmctldHost={node}
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
SlurmdParameters=config_overrides
ReturnToService=2
# Finished jobs stay in slurmctld (squeue, scontrol show job) this long: the plugin's squeue status
# check needs that, and the test reads every job of the run after the run.
MinJobAge=3600
KillWait=5
MailProg=/bin/true
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/run/slurmctld.pid
SlurmdPidFile={root}/run/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
NodeName={node} CPUs={cpus} RealMemory={mem_mb} Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""

# A regular file stands in for /dev/nvidia0: slurmd only checks that the GRES file exists.
GRES_CONF = "AutoDetect=off\nNodeName={node} Name=gpu File={root}/gpu0\n"


class SlurmMissing(RuntimeError):
    """The Debian SLURM/munge binaries are not installed, or cannot run here."""


def find_binaries():
    """``{name: path}`` of every binary in PACKAGES; SlurmMissing names the packages that lack one."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN])
    found = {name: shutil.which(name, path=path) for names in PACKAGES.values() for name in names}
    missing = [pkg for pkg, names in PACKAGES.items() if not all(found[n] for n in names)]
    if missing:
        raise SlurmMissing(f"not installed: {' '.join(missing)} (Debian: apt-get install {' '.join(PACKAGES)})")
    if os.geteuid() != 0:
        raise SlurmMissing("slurmd must run as root to start jobs")
    return found


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A running cluster: ``env`` points clients at it; ``jobs()`` is what slurmctld knows."""

    def __init__(self, root, binaries):
        self.root = Path(root)
        self.bin = binaries
        self.conf = self.root / "slurm.conf"
        path = os.pathsep.join([str(self.root / "bin"), os.environ.get("PATH", "")])
        self.env = {**os.environ, "SLURM_CONF": str(self.conf), "PATH": path}
        self.daemons = []  # (name, Popen), in start order

    def run(self, name, *args, timeout=30):
        proc = subprocess.run([self.bin[name], *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{name} {' '.join(args)} failed: {proc.stderr.strip()}\n{self.logs()}")
        return proc.stdout

    def jobs(self):
        """Every job slurmctld still holds, as ``{key: value}`` of ``scontrol show job --details --oneliner``."""
        out = self.run("scontrol", "show", "job", "--details", "--oneliner")
        return [dict(_fields(line)) for line in out.splitlines() if line.startswith("JobId=")]

    def node_state(self):
        return self.run("sinfo", "--noheader", "--nodes", NODE, "--format=%T").strip()

    def _drain(self):
        def live():
            return self.run("squeue", "--noheader", "--format=%i", f"--states={ACTIVE}").split()

        ids = live()
        if ids:
            self.run("scancel", *ids)
        deadline = time.monotonic() + START_S
        while ids and time.monotonic() < deadline:
            time.sleep(0.5)
            ids = live()

    def logs(self, tail=3000):
        """The end of every daemon log, for failure messages."""
        parts = [f"--- {p.name}\n{p.read_text(errors='replace')[-tail:]}" for p in sorted(self.root.glob("log/*"))]
        return "\n".join(parts)

    def _start(self, name, *args):
        with open(self.root / "log" / f"{name}.out", "wb") as log:  # the daemon keeps its own copy of the fd
            proc = subprocess.Popen([self.bin[name], *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.daemons.append((name, proc))

    def start(self):
        root = self.root
        for sub in ("munge", "state", "spool", "run", "log"):
            (root / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        key = root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        (root / "gpu0").touch()
        socket_path = root / "munge" / "munge.socket"
        values = {
            "root": root,
            "node": NODE,
            "cpus": NODE_CPUS,
            "mem_mb": NODE_MEM_MB,
            "munge_socket": socket_path,
            # free ports, not 6817/6818: a real SLURM or a parallel test run on this host stays untouched
            "ctld_port": free_port(),
            "slurmd_port": free_port(),
        }
        self.conf.write_text(SLURM_CONF.format(**values))
        (root / "gres.conf").write_text(GRES_CONF.format(**values))
        self._client_wrappers()
        munge = root / "munge"
        # --force: munged wants every user to reach its socket's folder; here only root needs to.
        self._start(
            "munged",
            "--foreground",
            "--force",
            f"--key-file={key}",
            f"--socket={socket_path}",
            f"--pid-file={munge / 'munged.pid'}",
            f"--seed-file={munge / 'munged.seed'}",
            f"--log-file={root / 'log' / 'munged.log'}",
        )
        self._wait(socket_path.exists, "munged socket")
        self._start("slurmctld", "-D", "-f", str(self.conf))
        self._wait(self._answers, "slurmctld")
        self._start("slurmd", "-D", "-N", NODE, "-f", str(self.conf))
        self._wait(lambda: self.node_state() == "idle", f"node {NODE} idle")
        return self

    def _client_wrappers(self):
        """``bin/`` on ``env``'s PATH: each client command with SLURM_CONF set, whatever the caller's env.

        Inside a job, Snakemake's slurm-jobstep plugin runs ``srun`` with every SLURM_* variable removed
        but the job's identity, SLURM_CONF included. A real cluster keeps slurm.conf where clients look
        by default (/etc/slurm); this one must not, so its clients carry the path themselves.
        """
        (self.root / "bin").mkdir(exist_ok=True)
        for name in PACKAGES["slurm-client"]:
            wrapper = self.root / "bin" / name
            wrapper.write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec "{self.bin[name]}" "$@"\n')
            wrapper.chmod(0o755)

    def _answers(self):
        try:
            self.run("scontrol", "ping", timeout=10)
            return True
        except RuntimeError:
            return False

    def _wait(self, ready, what):
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            dead = [name for name, proc in self.daemons if proc.poll() is not None]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited while waiting for {what}\n{self.logs()}")
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out after {START_S}s waiting for {what}\n{self.logs()}")

    def stop(self):
        """Cancel what still runs, then stop the daemons by PID, last started first.

        Jobs are drained first: a slurmd stopped under a running job leaves its slurmstepd behind.
        """
        if self.daemons and self._answers():
            with suppress(RuntimeError, subprocess.TimeoutExpired):  # the daemons go down regardless
                self._drain()
        for _name, proc in reversed(self.daemons):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.daemons.clear()


def _fields(line):
    """``key=value`` pairs of one ``--oneliner`` record (a path with spaces would split; test paths have none)."""
    for token in line.split():
        key, sep, value = token.partition("=")
        if sep:
            yield key, value


@contextmanager
def running_cluster(root):
    """A started cluster under ``root``; its daemons are stopped on exit, whatever happened."""
    cluster = Cluster(root, find_binaries())
    try:
        yield cluster.start()
    finally:
        cluster.stop()
