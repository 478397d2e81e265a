"""The ETA of a real run (mnist_dreams.plan.watch): said before the first job and after each, learned
from the run's own benchmarks, used by the next plan; checked against the files the run left."""

import csv
import json
import re
import statistics

from helpers import snakemake

ETA_LINE = re.compile(r"^mnist-dreams: ETA (\S+) for (\d+) jobs on (\d+) cores")
PROGRESS = re.compile(r"^mnist-dreams: (\d+) of (\d+) jobs, \S+ elapsed, ETA \S+$")


def _plan(path):
    return list(csv.DictReader(open(path), delimiter="\t"))


def _seconds(benchmark):
    return float(open(benchmark).read().splitlines()[1].split("\t")[0])


def test_the_eta_comes_before_the_first_job_and_after_each(tiny_run):
    lines = (tiny_run / "console.txt").read_text().splitlines()
    first_job = next(i for i, line in enumerate(lines) if line.startswith(("rule ", "localrule ")))
    eta = [i for i, line in enumerate(lines) if ETA_LINE.match(line)]
    assert len(eta) == 1 and eta[0] < first_job
    planned = int(ETA_LINE.match(lines[eta[0]])[2])
    stats_total = int(re.search(r"^total\s+(\d+)", "\n".join(lines), re.M)[1])
    assert planned == len(_plan(tiny_run / "eta_plan.tsv")) == stats_total
    progress = [PROGRESS.match(line) for line in lines if PROGRESS.match(line)]
    finished = [line for line in lines if line.startswith("Finished jobid")]
    assert len(progress) == len(finished) == planned
    assert [int(m[1]) for m in progress] == list(range(1, planned + 1))


def test_each_rule_learns_this_boxs_rate_from_its_benchmarks(tiny_run):
    """The rates file holds, per rule, each job's benchmark seconds ÷ the price the plan gave it."""
    ratios = json.loads((tiny_run / "eta_rates.json").read_text())
    expected = {}
    for row in _plan(tiny_run / "eta_plan.tsv"):
        if row["benchmark"]:
            ratio = _seconds(tiny_run / row["benchmark"]) / float(row["price_s"])
            expected.setdefault(row["rule"], []).append(min(max(ratio, 0.05), 20.0))
    assert set(ratios) == set(expected)
    for rule, values in expected.items():  # the plan's table rounds prices to 0.01 s
        pairs = zip(sorted(ratios[rule]), sorted(values), strict=True)
        assert all(abs(a - b) <= 0.02 * b for a, b in pairs), rule


def test_the_next_plan_prices_each_job_at_this_boxs_rate(tiny_run, monkeypatch):
    monkeypatch.setenv("MNIST_DREAMS_RATES", str(tiny_run / "eta_rates.json"))
    monkeypatch.setenv("MNIST_DREAMS_ETA_TABLE", str(tiny_run / "eta_replan.tsv"))
    out = snakemake(tiny_run, "-n", "-F", "--cores", "2", "--configfile", "config/tiny.yaml").stdout
    assert "at this box's own rates)" in out
    ratios = json.loads((tiny_run / "eta_rates.json").read_text())
    first = {row["benchmark"]: row for row in _plan(tiny_run / "eta_plan.tsv")}
    for row in _plan(tiny_run / "eta_replan.tsv"):
        if row["rule"] in ratios:
            reference = float(first[row["benchmark"]]["price_s"])
            ratio = statistics.median(ratios[row["rule"]])
            # both tables round prices to 0.01 s: the reference's ±0.005 grows by the ratio (a busy box: > 2)
            assert abs(float(row["price_s"]) - reference * ratio) <= 0.005 * (1 + ratio) + 1e-3 * reference


def test_a_plan_over_two_hours_on_a_slow_box_names_its_costliest_rules_and_their_knobs(tmp_path, monkeypatch):
    """The paper preset's plan (about half an hour here) on a box whose only measured rule ran 20× the
    reference: every rule is scaled by it, the plan passes 2 h, and the line after the ETA names the
    three rules with the most job time in the priced plan, their shares and the keys that cut them."""
    from helpers import workflow_copy

    work = workflow_copy(tmp_path / "run")
    (tmp_path / "rates.json").write_text(json.dumps({"kmeans": [20.0]}))
    monkeypatch.setenv("MNIST_DREAMS_RATES", str(tmp_path / "rates.json"))
    monkeypatch.setenv("MNIST_DREAMS_ETA_TABLE", str(tmp_path / "plan.tsv"))
    out = snakemake(work, "-n", "--cores", "2", "--configfile", "config/paper.yaml").stdout
    hours = re.search(r"^mnist-dreams: ETA (\d+)h", out, re.M)
    assert hours and int(hours[1]) >= 2, out[-2000:]
    line = re.search(r"^mnist-dreams: over 2 h here\. Most of it: (.*)$", out, re.M)
    assert line, out[-2000:]
    by_rule = {}
    for row in _plan(tmp_path / "plan.tsv"):
        by_rule[row["rule"]] = by_rule.get(row["rule"], 0.0) + float(row["price_s"])
    top = sorted(by_rule, key=by_rule.get, reverse=True)[:3]
    named = re.findall(r"(\w+) (\d+) % \(([^)]*)\)", line[1])
    assert [n for n, _, _ in named] == top
    for rule, share, knobs in named:
        assert abs(int(share) - 100 * by_rule[rule] / sum(by_rule.values())) <= 1
        assert knobs and "its config section" not in knobs  # each of the paper's top rules has its keys
    # a figure job's params name no maps: it is priced for the 32 maps its chunk's wildcard names
    from mnist_dreams.plan import eta

    figures = [row for row in _plan(tmp_path / "plan.tsv") if row["rule"] == "oip_figure"]
    assert len(figures) == 4
    for row in figures:
        lo, hi = map(int, re.search(r"map_(\d{3})-(\d{3})", row["benchmark"]).groups())
        assert hi - lo + 1 == 32, row  # the paper's chunks: 32 maps each
        assert abs(float(row["price_s"]) - 20 * eta.price("oip_figure", {}, 32)) < 0.05, row
