"""The ETA on Snakemake's console: one line before the first job (dry runs too), one after each.

``Watch`` is a ``logging.Handler`` on Snakemake's logger, added while the Snakefile is read (main
process only). When Snakemake logs its job stats (``run_info``, after the DAG is built, before the
first job) it prices the planned jobs (``eta.price``) at this box's rates and prints the plan's
length on the run's cores; after each finished job (``job_finished``) it keeps the job's
benchmark seconds ÷ its price as this box's rate for that rule (``Rates``, a small JSON file per
host) and prints jobs done, elapsed and the ETA from the rest of the plan, corrected by the run's
own pace so far. It never stops a run: a plan it cannot price gets a line saying why.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import statistics
import time
from pathlib import Path

from ..plumbing import chunks
from ..plumbing.progress import _duration
from . import eta

LONG_S = 2 * 3600  # a plan longer than this on this box says which knobs cut it
KEPT = 9  # ratios kept per rule: the median of the last few runs
PRIOR_S = 60.0  # seconds of the plan's own estimate that weigh against the run's pace at its start
# What cuts a rule's work, for a plan longer than LONG_S (config keys as config/README.md names them).
KNOBS = {
    "cnn": "cnn.epochs, cnn.train_subset", "precursor": "precursor.mode: halving, fewer maps",
    "oip_random": "oip.random.count, oip.epochs, fewer maps", "oip": "oip.epochs, fewer maps",
    "oip_precursor": "precursor.mode: halving", "rescue": "rescue.enabled: false, rescue.mode: halving",
    "dream": "dream.size, dream.epochs, fewer maps", "deepdream": "deepdream.octaves, dream.size",
    "kmeans": "clusters.k, clusters.n_init", "silhouettes": "clusters.silhouette_sample_size",
    "mlp_reference": "mlp.epochs, mlp.train_subset", "mlp_clustered": "mlp.epochs, mlp.train_subset",
    "mlp_study_runs": "study.repeats, study.spaces, mlp.epochs", "data_starts": "data_starts.starts",
}  # fmt: skip
MODEL_RULES = {"cnn", "precursor", "oip_random", "oip", "oip_precursor", "rescue", "dream", "deepdream"}


class Rates:
    """This box's measured seconds ÷ reference price, per rule, in a JSON file (MNIST_DREAMS_RATES, or
    rates-<host>.json in $XDG_CACHE_HOME/mnist-dreams or ~/.cache/mnist-dreams)."""

    def __init__(self, path=None):
        if path is None:
            path = os.environ.get("MNIST_DREAMS_RATES") or (
                Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                / "mnist-dreams" / f"rates-{socket.gethostname()}.json"
            )  # fmt: skip
        self.path = Path(path)
        try:
            self.ratios = {k: list(v) for k, v in json.loads(self.path.read_text()).items()}
        except (OSError, ValueError, AttributeError):
            self.ratios = {}

    def factor(self, rule):
        """(ratio, measured here?): the rule's median ratio, else the median over all rules, else 1."""
        if self.ratios.get(rule):
            return statistics.median(self.ratios[rule]), True
        medians = [statistics.median(v) for v in self.ratios.values() if v]
        return (statistics.median(medians) if medians else 1.0), False

    def add(self, rule, ratio):
        self.ratios[rule] = [*self.ratios.get(rule, []), min(max(ratio, 0.05), 20.0)][-KEPT:]

    def save(self):
        try:  # atomic: two runs on one box at once lose at most an update, never the file
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            tmp.write_text(json.dumps(self.ratios, indent=1, sort_keys=True))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only home: the ETA stays at the reference rates


def job_params(job):
    return dict(job.params.items())


class Watch(logging.Handler):
    """Prices the plan when Snakemake logs its job stats, and reports after each finished job."""

    def __init__(self, dag, cores, context, rates=None, clock=time.monotonic, say=None):
        super().__init__()
        self.dag, self.cores, self.context, self.clock = dag, cores, context, clock
        self.rates = rates if rates is not None else Rates()
        self.say = say or logging.getLogger("snakemake.logging").info
        self.plan, self.by_key, self.done, self.started = [], {}, set(), None
        self.reference, self.dag_jobs = {}, {}

    def emit(self, record):
        event = str(getattr(record, "event", "") or "")
        try:
            if event == "run_info" and not self.plan:
                self.price()
            elif event == "job_finished" and self.plan:
                self.finished(getattr(record, "job_id", None))
        except Exception as err:  # noqa: BLE001 - an ETA must never stop a run
            self.say(f"mnist-dreams: no ETA ({type(err).__name__}: {err})")

    def price(self):
        jobs = list(self.dag().needrun_jobs())
        keys = {job: job.jobid for job in jobs}
        self.dag_jobs = {job.jobid: job for job in jobs}
        self.plan = [self._job(job, keys) for job in jobs]
        self.by_key = {j.key: j for j in self.plan}
        self.total = eta.wall(self.plan, self.cores())
        self.started = self.clock()
        self.say(self.plan_line())
        if os.environ.get("MNIST_DREAMS_ETA_TABLE"):  # each job's price, for tests/bench/bench_eta.py
            self.write_table(os.environ["MNIST_DREAMS_ETA_TABLE"])

    def write_table(self, path):
        rows = ["jobid\trule\tprice_s\tbenchmark"]
        for j in self.plan:
            rows.append(f"{j.key}\t{j.rule}\t{j.seconds:.2f}\t{getattr(self.dag_jobs[j.key], 'benchmark', '') or ''}")
        Path(path).write_text("\n".join(rows) + "\n")

    def _job(self, job, keys):
        rule, p = job.rule.name, job_params(job)
        if rule == "kmeans":
            p["k"] = int(job.wildcards.k)
        if rule == "silhouettes":
            p["n_images"] = self.context.get("cluster_images", 70000)
        n = len(p.get("maps") or ()) or self._chunk_maps(job)
        c = self.context
        seconds = eta.price(rule, p, n, c.get("run_maps", 1), c.get("scale", 1.0), c.get("missed", eta.MISSED))
        self.reference[job.jobid] = seconds
        after = tuple(keys[d] for d in self.dag().dependencies[job] if d in keys)
        return eta.Job(job.jobid, rule, seconds * self.rates.factor(rule)[0], job.threads, after)

    def _chunk_maps(self, job):
        """The maps of a per-map job whose params name none (its figures): those of its {maps} chunk."""
        chunk, run = getattr(job.wildcards, "maps", None), self.context.get("maps")
        if not chunk or not run:
            return 1
        try:
            return len(chunks.members(chunk, run, self.context.get("n_maps", max(run) + 1), "the layer"))
        except chunks.ChunkError:
            return 1

    def plan_line(self):
        # the rules whose jobs leave a benchmark to learn from (not `all`)
        rules = sorted({j.rule for j in self.plan if getattr(self.dag_jobs[j.key], "benchmark", None)})
        own = sum(self.rates.factor(r)[1] for r in rules)
        work = sum(j.seconds for j in self.plan)
        rates = (
            "this box's own rates" if own == len(rules) else
            f"this box's rates for {own} of {len(rules)} rules, scaled from {eta.REFERENCE}'s for the rest"
            if own else f"the rates of {eta.REFERENCE}; this box's own after its first run"
        )  # fmt: skip
        line = (
            f"mnist-dreams: ETA {_duration(self.total)} for {len(self.plan)} jobs on {self.cores()} cores "
            f"({_duration(work)} of job time at {rates})"
        )
        if self.total > LONG_S:
            line += "\n" + self.knobs_line(work)
        return line

    def knobs_line(self, work):
        by_rule = {}
        for j in self.plan:
            by_rule[j.rule] = by_rule.get(j.rule, 0.0) + j.seconds
        top = sorted(by_rule.items(), key=lambda kv: -kv[1])[:3]
        cuts = "; ".join(f"{r} {100 * s / work:.0f} % ({KNOBS.get(r, 'its config section')})" for r, s in top)
        on_model = any(r in MODEL_RULES for r, _ in top)
        gpu = " A GPU box runs the model's steps: --profile profiles/gpu." if on_model else ""
        return f"mnist-dreams: over {LONG_S // 3600} h here. Most of it: {cuts}.{gpu}"

    def finished(self, key):
        job = self.by_key.get(key)
        if job is None or key in self.done:
            return
        self.done.add(key)
        self._learn(key, job)
        rest = [j for j in self.plan if j.key not in self.done]
        left = eta.wall(rest, self.cores())
        elapsed = self.clock() - self.started
        pace = (elapsed + PRIOR_S) / (max(self.total - left, 0.0) + PRIOR_S)
        self.say(
            f"mnist-dreams: {len(self.done)} of {len(self.plan)} jobs, {_duration(elapsed)} elapsed, "
            f"ETA {_duration(left * pace)}"
        )

    def _learn(self, key, job):
        """This box's rate for the job's rule: its benchmark's seconds ÷ its reference price."""
        bench = getattr(self.dag_jobs.get(key), "benchmark", None)
        if bench is None or not os.path.exists(bench):
            return
        with open(bench) as f:
            rows = [line.split("\t") for line in f.read().splitlines()]
        if len(rows) < 2 or rows[0][0] != "s":
            return
        self.rates.add(job.rule, float(rows[-1][0]) / self.reference[key])
        self.rates.save()
