"""make paper's runner: the checks before any job, and the whole-run progress line from the console."""

import pytest

from mnist_dreams import paper_run

CONSOLE = """Building DAG of jobs...
Job stats:
job                              count
-----------------------------  -------
all                                  1
cnn                                  1
kmeans                               2
oip_figure_maps_000_031              1
total                                5

Select jobs to execute...
Finished jobid: 3 (Rule: kmeans)
1 of 5 steps (20%) done
Finished jobid: 2 (Rule: oip_figure_maps_000_031)
2 of 5 steps (40%) done
"""


def test_progress_line_counts_jobs_and_weighs_the_eta_by_planned_work():
    now = [0.0]
    tracker = paper_run.Tracker(clock=lambda: now[0])
    lines = []
    for line in CONSOLE.splitlines():
        now[0] += 10.0
        if out := tracker.feed(line):
            lines.append(out)
    assert tracker.planned == {"all": 1, "cnn": 1, "kmeans": 2, "oip_figure_maps_000_031": 1}
    assert lines[0].startswith("[paper] 1/5 jobs · elapsed ")
    assert lines[1].startswith("[paper] 2/5 jobs")
    # ETA = elapsed × work left (cnn, one kmeans, all) / work done (one kmeans, a chunk of 32 figures)
    w = paper_run
    done = w.JOB_S["kmeans"] + w.START_S + 32 * w.PER_MAP_S["oip_figure"]
    left = w.JOB_S["cnn"] + w.JOB_S["kmeans"] + w.START_S
    elapsed = 10.0 * (CONSOLE.splitlines().index("Finished jobid: 2 (Rule: oip_figure_maps_000_031)") + 1)
    assert paper_run._duration(elapsed * left / done) in lines[1]


def test_chunk_rules_weigh_their_maps():
    assert paper_run.weight("dream_maps_032_063") == paper_run.START_S + 32 * paper_run.PER_MAP_S["dream"]
    assert paper_run.weight("dream") == paper_run.START_S + paper_run.PER_MAP_S["dream"]
    assert paper_run.weight("summary") == paper_run.START_S


@pytest.mark.parametrize(
    ("memory", "disk", "says"),
    [(1.5, 100, "needs 4 GiB of free memory"), (64, 0.5, "needs 4 GiB of free disk")],
)
def test_a_short_machine_stops_before_any_job_with_the_number_it_needs(tmp_path, memory, disk, says):
    with pytest.raises(paper_run.PreflightError, match=says):
        paper_run.preflight(tmp_path, memory=memory, disk=disk)
    paper_run.preflight(tmp_path, memory=64, disk=100)  # enough of both: no error


def test_make_paper_stops_before_snakemake_when_memory_is_short(tmp_path, monkeypatch, capsys):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  2000000 kB\nMemAvailable:  1048576 kB\n")
    monkeypatch.setattr(paper_run, "MEMINFO", str(meminfo))
    assert paper_run.main(["--snakemake", "/nonexistent/snakemake"]) == 2
    assert "this machine has 1.0 GiB available" in capsys.readouterr().err
