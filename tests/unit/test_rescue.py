"""rescue.without_oip reads a layer summary as oip_summary writes it, round trip through the TSV."""

import pandas as pd

from mnist_dreams.ascent import rescue
from mnist_dreams.plumbing import store


def _layer(tmp_path, fires):
    table = pd.DataFrame(
        {
            "map": [0, 1, 2, 3],
            "computed": [True, True, True, False],
            "found": [True, False, False, False],
            "best_loss": [0.5, 0.0, 0.0, 0.0],
            "fires_on_test": fires,
        }
    )
    store.write_tsv(table, tmp_path / "summary.tsv")
    return pd.read_csv(tmp_path / "summary.tsv", sep="\t", keep_default_na=False)  # as rule rescue_summary reads it


def test_the_maps_computed_without_an_oip_keep_their_test_activity(tmp_path):
    assert rescue.without_oip(_layer(tmp_path, [True, True, False, True])) == [(1, True), (2, False)]


def test_an_empty_fires_on_test_is_unknown_not_silent(tmp_path):
    # a model without MNIST-shaped input: oip_summary leaves the column empty
    assert rescue.without_oip(_layer(tmp_path, [None] * 4)) == [(1, None), (2, None)]
