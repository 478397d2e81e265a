"""maps_per_job: the run's chunks from the configured maps alone, their names, and one-map chunks."""

import pytest
from snakemake.utils import validate
from test_config import SCHEMA, SCHEMA_PATH, _preset

from mnist_dreams.plumbing import chunks, configuration

SHOWCASE = [46, 56, 81, 116, 125]


@pytest.mark.parametrize(
    ("n_maps", "size", "jobs"),
    [
        (128, 32, 4),  # the paper run: 4 jobs per per-map step, not 128; a killed job loses 32 maps at most
        (512, 32, 16),  # a big own layer: capped at 32 maps a job
        (32, 8, 4),  # the seed CNN's conv1
        (5, 2, 3),  # the default preset's showcase maps
        (2, 1, 2),  # tiny: one job per map
        (1, 1, 1),  # --config maps=[56]: that map alone
    ],
)
def test_auto_chunks_by_the_configured_maps_alone(n_maps, size, jobs):
    assert chunks.size("auto", n_maps) == size
    split = chunks.split(list(range(n_maps)), size)
    assert len(split) == jobs and sum(split, []) == list(range(n_maps))


def test_a_number_is_kept():
    assert chunks.size(7, 128) == 7


def test_chunks_are_the_sorted_maps_in_runs_named_by_their_first_and_last():
    split = chunks.split([125, 46, 116, 56, 81], 2)
    assert split == [[46, 56], [81, 116], [125]]
    assert [chunks.name(c) for c in split] == ["046-056", "081-116", "125"]


def test_a_chunks_maps_are_the_configured_ones_between_its_first_and_last():
    assert chunks.members("046-116", SHOWCASE, 128, "conv3") == [46, 56, 81, 116]
    assert chunks.members("000-127", list(range(128)), 128, "conv3") == list(range(128))


def test_any_single_map_of_the_layer_is_a_chunk_of_its_own():
    # configured or not: "snakemake results/oip/map_060.h5" computes map 60 alone
    assert chunks.members("056", SHOWCASE, 128, "conv3") == [56]
    assert chunks.members("060", SHOWCASE, 128, "conv3") == [60]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("200", "conv3 has 128 maps, so map must be 000 to 127"),
        ("046-200", "map must be 000 to 127"),
        ("046-060", "runs from one configured map to a later one"),  # 60 is not configured
        ("056-046", "runs from one configured map to a later one"),
        ("046-046", "one map alone is e.g. map_046"),
        ("46", "a chunk is one map (056) or a first and last map (046-056)"),
    ],
)
def test_a_chunk_the_run_cannot_have_is_refused_with_the_fix(name, says):
    with pytest.raises(chunks.ChunkError, match=says.replace("(", r"\(").replace(")", r"\)")):
        chunks.members(name, SHOWCASE, 128, "conv3", ["046-056", "081-116", "125"])


def test_the_wildcard_pattern_matches_exactly_the_names():
    import re

    for name in ("056", "046-056"):
        assert re.fullmatch(chunks.WILDCARD, name) and chunks.NAME.match(name)
    for other in ("56", "046-56", "046.random", "046-056-081"):
        assert not re.fullmatch(chunks.WILDCARD, other)


@pytest.mark.parametrize(("given", "coerced"), [("auto", "auto"), ("4", 4)])
def test_maps_per_job_from_the_command_line(given, coerced):
    config = _preset()
    config["maps_per_job"] = given  # as --config maps_per_job=... delivers it
    configuration.coerce(config, configuration.load_schema(SCHEMA_PATH))
    validate(config, SCHEMA)
    assert config["maps_per_job"] == coerced


@pytest.mark.parametrize("bad", ["some", 0, "0"])
def test_maps_per_job_rejects_other_values(bad):
    config = _preset()
    config["maps_per_job"] = bad
    configuration.coerce(config, configuration.load_schema(SCHEMA_PATH))
    with pytest.raises(Exception, match="maps_per_job"):
        validate(config, SCHEMA)
