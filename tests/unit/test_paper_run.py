"""make paper's runner: the checks before any job, and the whole-run progress line from the console."""

import pytest

from mnist_dreams.plumbing import machine, paper_run

CONSOLE = """Building DAG of jobs...
Job stats:
job                              count
-----------------------------  -------
all                                  1
cnn                                  1
kmeans                               2
oip_figure                           1
total                                5

Select jobs to execute...
Finished jobid: 3 (Rule: kmeans)
1 of 5 steps (20%) done
Finished jobid: 2 (Rule: oip_figure)
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
    assert tracker.planned == {"all": 1, "cnn": 1, "kmeans": 2, "oip_figure": 1}
    assert lines[0].startswith("[paper] 1/5 jobs · elapsed ")
    assert lines[1].startswith("[paper] 2/5 jobs")
    # ETA = work left (cnn, one kmeans, all) × the pace: elapsed per work done (one kmeans, a chunk
    # of 32 figures), with the measured run's pace counted as PRIOR_S of work done
    w = paper_run
    done = w.JOB_S["kmeans"] + w.START_S + 32 * w.PER_MAP_S["oip_figure"]
    left = w.JOB_S["cnn"] + w.JOB_S["kmeans"] + w.START_S
    elapsed = 10.0 * (CONSOLE.splitlines().index("Finished jobid: 2 (Rule: oip_figure)") + 1)
    pace = (elapsed + w.PRIOR_S * w.WALL_PER_WORK) / (done + w.PRIOR_S)
    assert paper_run._duration(left * pace) in lines[1]


def test_eta_starts_from_the_measured_pace_and_follows_the_runs_own():
    def eta(elapsed, done_rules):
        now = [0.0]
        tracker = paper_run.Tracker(clock=lambda: now[0])
        now[0] = elapsed
        tracker.planned = {"mnist": 1, "cnn": 1, "kmeans": 17, "mlp_reference": 1}
        tracker.done = done_rules
        return _seconds(tracker.line())

    left_after_download = paper_run.JOB_S["cnn"] + 17 * paper_run.JOB_S["kmeans"] + paper_run.JOB_S["mlp_reference"]
    # the 13 s download alone says little: the ETA is about the measured pace, not 2 hours
    assert eta(13.0, {"mnist": 1}) == pytest.approx(left_after_download * paper_run.WALL_PER_WORK, rel=0.05)
    # a box twice as slow as the measured one: once most work is done, the ETA has gone most of the
    # way from the measured pace to the run's own (1.7× of the 2×)
    done = {"mnist": 1, "cnn": 1, "kmeans": 17}
    done_w = sum(paper_run.weight(r) * n for r, n in done.items())
    planned_eta = paper_run.WALL_PER_WORK * paper_run.JOB_S["mlp_reference"]
    assert eta(2 * paper_run.WALL_PER_WORK * done_w, done) == pytest.approx(1.7 * planned_eta, rel=0.05)


def _seconds(line):
    """The ETA of a progress line in seconds ("ETA 1h02m", "ETA 12m30s", "ETA 40s")."""
    text = line.split("ETA ")[1].split(" ")[0]
    total, number = 0, ""
    for ch in text:
        if ch.isdigit():
            number += ch
        else:
            total += int(number) * {"h": 3600, "m": 60, "s": 1}[ch]
            number = ""
    return total


def test_per_map_rules_weigh_the_paper_runs_chunk_of_maps():
    # the paper preset's 128 maps in chunks of 32 (maps_per_job: auto): a dream job draws 32 maps
    assert paper_run.weight("dream") == paper_run.START_S + 32 * paper_run.PER_MAP_S["dream"]
    assert paper_run.weight("dream", maps=1) == paper_run.START_S + paper_run.PER_MAP_S["dream"]
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
    monkeypatch.setattr(machine, "MEMINFO", str(meminfo))
    assert paper_run.main(["--snakemake", "/nonexistent/snakemake"]) == 2
    assert "this machine has 1.0 GiB available" in capsys.readouterr().err
