"""maps_per_job: auto — chunk sizes from the maps and the cores; how chunks name and split maps."""

import pytest
from snakemake.utils import validate
from test_config import SCHEMA, SCHEMA_PATH, _preset

from mnist_dreams.plumbing import chunks, configuration


@pytest.mark.parametrize(
    ("n_maps", "cores", "size", "jobs"),
    [
        (128, 2, 32, 4),  # the paper run on a 2-core laptop: 4 jobs per per-map step, not 128
        (128, 1, 32, 4),  # capped: a killed job loses at most 32 maps, figures come while the layer runs
        (128, 16, 4, 32),  # a 16-core box: two jobs per core
        (5, 2, 2, 3),  # the default preset's showcase maps
        (2, 2, 1, 2),  # tiny: one job per map
        (1, 2, 1, 1),  # --config maps=[56]: that map alone
        (128, None, 1, 128),  # a cluster (no --cores): one map per job, the profile's groups pack them
    ],
)
def test_auto_chunks_by_maps_and_cores(n_maps, cores, size, jobs):
    assert chunks.resolve("auto", n_maps, cores) == size
    split = chunks.split(list(range(n_maps)), size)
    assert len(split) == jobs and sum(split, []) == list(range(n_maps))


def test_a_number_is_kept():
    assert chunks.resolve(7, 128, 2) == 7


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
