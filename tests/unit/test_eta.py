"""The ETA's schedule and this box's rates (mnist_dreams.plan): hand-worked plans, a real rates file."""

import json

import pytest

from mnist_dreams.plan import eta, watch
from mnist_dreams.subject import cnn


def J(key, seconds, threads=1, after=()):
    return eta.Job(key, "r", seconds, threads, tuple(after))


def test_independent_jobs_share_the_cores():
    jobs = [J(1, 10), J(2, 10), J(3, 10), J(4, 10)]
    assert eta.wall(jobs, 2) == 20 and eta.wall(jobs, 1) == 40 and eta.wall(jobs, 8) == 10


def test_a_chain_waits_for_each_input():
    assert eta.wall([J(1, 5), J(2, 7, after=[1]), J(3, 1, after=[2]), J(4, 3)], 4) == 13


def test_a_two_thread_job_waits_for_both_cores_and_is_capped_at_the_run_cores():
    # 1 and 2 fill both cores; 3 (two threads) starts when both are free at 6, not at 2
    jobs = [J(1, 2), J(2, 6), J(3, 4, threads=2)]
    assert eta.wall(jobs, 2) == 10
    assert eta.wall(jobs, 1) == 12  # on one core its two threads become one


def test_inputs_outside_the_plan_are_there_already():
    assert eta.wall([J(1, 3, after=["finished before"])], 2) == 3


def test_a_model_costs_more_with_its_input_size_and_width():
    seed = eta.cost({"conv1": (26, 26, 32), "pool1": (13, 13, 32), "conv2": (11, 11, 64), "pool2": (5, 5, 64),
                     "conv3": (3, 3, 128), "flatten": (1152,)}, "conv3")  # fmt: skip
    assert seed == eta.SEED_COST
    big = {"a": (222, 222, 64), "b": (220, 220, 64)}
    assert eta.cost(big, "b") > eta.cost(big, "a") > 5 * seed
    assert eta.cost(big, "a") == 222 * 222 * 64  # layers after the chosen one cost nothing


def test_rates_keep_this_boxs_recent_ratios_per_rule(tmp_path):
    path = tmp_path / "rates.json"
    rates = watch.Rates(path)
    assert rates.factor("precursor") == (1.0, False)  # nothing measured: the reference rates
    for r in [2.0, 3.0, 100.0] + [1.0] * watch.KEPT:
        rates.add("precursor", r)
    rates.add("cnn", 0.5)
    rates.save()
    again = watch.Rates(path)
    assert len(again.ratios["precursor"]) == watch.KEPT and again.factor("precursor") == (1.0, True)
    assert again.factor("dream") == (0.75, False)  # an unmeasured rule: the median of the measured ones
    assert json.loads(path.read_text())["cnn"] == [0.5]


def test_a_broken_rates_file_is_the_reference(tmp_path):
    (tmp_path / "rates.json").write_text("{not json")
    assert watch.Rates(tmp_path / "rates.json").factor("cnn") == (1.0, False)
    (tmp_path / "a file").write_text("")
    rates = watch.Rates(tmp_path / "a file" / "rates.json")  # its folder cannot exist, even for root
    assert rates.factor("cnn") == (1.0, False)
    rates.add("cnn", 2.0)
    rates.save()  # cannot write: the run goes on


def test_a_models_scale_is_the_seed_cnns_at_1_and_grows_slower_than_its_flops():
    assert eta.scale(cnn.LAYERS, cnn.CONV3) == pytest.approx(1.0)
    wide = {"conv1": (126, 126, 32), "pool1": (63, 63, 32), "conv2": (61, 61, 64), "pool2": (30, 30, 64),
            "top": (28, 28, 512)}  # fmt: skip
    ratio = eta.cost(wide, "top") / eta.SEED_COST
    # bench_model_cost measured this model at 36.7x the seed's image·epoch; its multiply-adds are 97x
    assert 0.75 < 36.7 / eta.scale(wide, "top") < 1.25 and ratio > 90


def test_a_layer_costs_its_multiply_adds_by_its_kind_where_known():
    shapes = {"conv": (8, 8, 16), "bn": (8, 8, 16), "conv_same": (8, 8, 16)}
    # without kinds, a layer that keeps the channel count is taken for an elementwise one
    assert eta.cost(shapes, "conv_same") == 8 * 8 * 16 * 1 + 8 * 8 * 16 + 8 * 8 * 16
    kinds = {"conv": "Conv2D", "bn": "BatchNormalization", "conv_same": "Conv2D"}
    assert eta.cost(shapes, "conv_same", kinds) == 8 * 8 * 16 * 1 + 8 * 8 * 16 + 8 * 8 * 16 * 16
    # a depthwise convolution filters each channel alone: no channel mixing to pay for
    depthwise = {**kinds, "conv_same": "DepthwiseConv2D"}
    assert eta.cost(shapes, "conv_same", depthwise) == 8 * 8 * 16 * 1 + 8 * 8 * 16 + 8 * 8 * 16
