"""SpatialPanel.select: a few columns without the deep copy of SpatialPanel.data, and the panel models'
preparation reading its variables without copying them (issue #24, item 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spillover as so
from spillover.panel_models._data import prepare


@pytest.fixture(scope="module")
def panel():
    return so.datasets.us_states()


def test_select_gives_the_columns_of_data(panel):
    # reference: the same columns of the full copy SpatialPanel.data
    pd.testing.assert_frame_equal(panel.select(["ln_gsp", "unemp"]), panel.data[["ln_gsp", "unemp"]])


def test_writing_the_selection_leaves_the_panel_unchanged(panel):
    before = panel.data["ln_gsp"].copy()
    sel = panel.select(["ln_gsp"])
    sel.iloc[0, 0] = -999.0
    sel["ln_gsp"] = 0.0
    pd.testing.assert_series_equal(panel.data["ln_gsp"], before)


def test_unknown_columns_raise(panel):
    with pytest.raises(KeyError):
        panel.select(["no_such_column"])


@pytest.mark.skipif(int(pd.__version__.split(".")[0]) < 3, reason="copy-on-write is always on from pandas 3")
def test_prepare_reads_the_model_columns_without_copying(panel):
    sample = prepare(panel, ["ln_gsp", "ln_pc"])
    assert np.shares_memory(sample.column("ln_gsp"), panel.select(["ln_gsp"])["ln_gsp"].to_numpy())
    # a dropped row forces the subset copy, with the dropped cell reported
    lagged = so.panel_models.lag(panel, "ln_pc")
    sample = prepare(lagged, ["ln_gsp", "L1.ln_pc"])
    assert sample.nobs == 816 - 48 and sample.dropped.n == 48
