"""End to end: the real snakemake on the tiny preset, in a temp dir, data → CNN."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers import planned_rules
from mnist_dreams.plumbing import store
from mnist_dreams.subject import data, models, photo

pytestmark = pytest.mark.e2e


def test_data_rule_writes_original_mnist(tiny_run):
    arrays, attrs = data.read_mnist(tiny_run / "resources/mnist.h5")
    assert attrs["source"] == "pypi" and attrs["sha256"] == data.PYPI_MEMBER_SHA256
    assert tuple(np.bincount(arrays["y_test"])) == data.TEST_COUNTS
    assert arrays["x_train"].dtype == np.uint8 and arrays["x_train"].shape == (60000, 28, 28)


def test_cnn_rule_stores_model_history_and_figure(tiny_run):
    hist, attrs = store.read_h5(tiny_run / "results/cnn/training.h5", required=["test_accuracy", "wall_time"])
    tiny = yaml.safe_load((tiny_run / "config/tiny.yaml").read_text())["cnn"]
    assert attrs["params"]["epochs"] == tiny["epochs"] == len(hist["test_accuracy"])
    assert attrs["n_train"] == tiny["train_subset"] and "seed" in attrs and "versions" in attrs
    assert (tiny_run / "results/cnn/training.png").stat().st_size > 10_000
    # the stored accuracy is the saved model's, recomputed here
    mnist, _ = data.read_mnist(tiny_run / "resources/mnist.h5")
    model = models.load_model(tiny_run / "results/cnn/model.keras")
    x = photo.to_input(np.asarray(mnist["x_test"], np.float32)[..., None], attrs["pixel_mean"], attrs["pixel_std"])
    _, acc = model.evaluate(x, mnist["y_test"], batch_size=1000, verbose=0)
    assert acc == pytest.approx(hist["test_accuracy"][-1], abs=1e-6)


def _jobs_of_first_run(work):
    """[(rule, {"log": …, "benchmark": …})] of every job in the first run's Snakemake log."""
    logs = sorted((work / ".snakemake/log").glob("*.snakemake.log"))
    first = next(log.read_text() for log in logs if "Finished jobid" in log.read_text())  # not a dry run
    jobs = []
    for line in first.splitlines():
        if line.startswith(("rule ", "localrule ")):
            jobs.append((line.split()[1].rstrip(":"), {}))
        elif jobs and line.strip().startswith(("log:", "benchmark:")):
            key, _, value = line.strip().partition(": ")
            jobs[-1][1][key] = value
    return jobs


def test_every_job_leaves_a_log_and_a_benchmark(tiny_run):
    jobs = [(rule, files) for rule, files in _jobs_of_first_run(tiny_run) if rule != "all"]
    assert len(jobs) >= 30  # the whole tiny run, read from Snakemake's own log of it
    for rule, files in jobs:
        assert "log" in files and "benchmark" in files, f"{rule}: declares no log or no benchmark"
        for log in files["log"].split(", "):  # a chunk job's one log; a per-map job's own
            assert (tiny_run / log).stat().st_size > 0, f"{rule}: {log} empty"
        assert (tiny_run / files["benchmark"]).read_text().startswith("s\t"), rule


def test_library_start_up_lines_reach_the_job_log_not_the_console(tiny_run):
    """TensorFlow writes absl lines at import whatever TF_CPP_MIN_LOG_LEVEL says; a run of ~40 jobs
    printed two each among Snakemake's lines. The scripts' bootstrap routes them to the job's log."""
    console = (tiny_run / "console.txt").read_text()
    assert "Finished jobid" in console or "steps (100%) done" in console  # the run's real console
    strays = [line for line in console.splitlines() if "absl::" in line or line.startswith(("I0000", "W0000"))]
    assert strays == []
    cnn_log = (tiny_run / "logs/cnn/train.log").read_text()
    assert cnn_log.count("job started") == 1  # the script's own to_file call did not reopen the log
    assert "runtime:" in cnn_log


def test_cnn_change_reruns_cnn_but_not_data(tiny_run, tmp_path):
    assert planned_rules(tiny_run, "--configfile", "config/tiny.yaml") == []
    Path(tiny_run / "more.yaml").write_text("cnn:\n  epochs: 2\n")
    planned = planned_rules(tiny_run, "--configfile", "config/tiny.yaml", "more.yaml")
    assert "cnn" in planned and "mnist" not in planned
    assert {"precursor", "oip"} <= set(planned)  # downstream of the model


def test_long_jobs_log_progress_with_rate_and_eta(tiny_run):
    """Training, screening and OIP jobs log progress (last line always), never two within 10 s."""
    from datetime import datetime

    for log in ("cnn/train", "precursor/map_046", "oip/map_046", "mlp/reference", "mlp/clustered_k008"):
        lines = [line for line in (tiny_run / f"logs/{log}.log").read_text().splitlines() if "ETA" in line]
        assert lines and "(100 %)" in lines[-1] and "/s, elapsed" in lines[-1], log
        stamps = [datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f") for line in lines]
        gaps = [(b - a).total_seconds() for a, b in zip(stamps[:-2], stamps[1:-1], strict=True)]
        assert all(g >= 9.9 for g in gaps), (log, gaps)  # the last line may follow sooner
