"""One mechanism, one place (issue 20): the shared pieces that replaced copies serve every former copy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spillover as so
from spillover.summary import conf_int, std_errors


def test_std_errors_and_conf_int_by_hand():
    params = pd.Series([1.0, -2.0], index=["a", "b"])
    cov = pd.DataFrame([[4.0, 1.0], [1.0, 0.25]])
    se = std_errors(params, cov)  # hand: sqrt(4) = 2, sqrt(0.25) = 0.5; off-diagonal ignored
    assert se.name == "std_errors" and se.index.tolist() == ["a", "b"] and se.tolist() == [2.0, 0.5]
    ci = conf_int(params, se, 2.0)  # hand: 1 -/+ 4, -2 -/+ 1
    assert ci.to_dict("list") == {"lower": [-3.0, -3.0], "upper": [5.0, -1.0]}


def test_moran_and_geary_rows_share_one_layout():
    panel = so.datasets.us_states()
    w = so.weights.contiguity(panel, kind="queen")
    for table, stat in (
        (so.moran_by_period(panel, "ln_gsp", w, permutations=0), "I"),
        (so.geary_by_period(panel, "ln_gsp", w, permutations=0), "C"),
    ):
        assert table.columns[0] == stat and table["p_sim"].isna().all()  # no permutations: NaN
        for z, p in (("z_norm", "p_norm"), ("z_rand", "p_rand")):  # two-sided normal p, as scipy gives it
            np.testing.assert_allclose(table[p], 2 * stats.norm.sf(table[z].abs()), rtol=1e-12)
    with_sims = so.geary_by_period(panel, "ln_gsp", w, permutations=19, seed=1)
    assert ((with_sims["p_sim"] >= 1 / 20) & (with_sims["p_sim"] <= 0.5 + 1 / 20)).all()  # folded, P = 19


@pytest.mark.parametrize("name", ["rho", "lam"])
def test_spatial_parameter_absent_is_none(name):
    panel = so.datasets.us_states()
    w = so.weights.contiguity(panel, kind="queen")
    kind = "sem" if name == "rho" else "sar"  # the model without that parameter
    res = so.SpatialPanelModel(panel, "ln_gsp", ["ln_emp"], w, kind=kind, fixed_effects="twoway").fit()
    assert getattr(res, name) is None and getattr(res, f"{name}_se") is None
    other = "lam" if name == "rho" else "rho"
    key = "lambda" if other == "lam" else "rho"
    assert getattr(res, other) == res.params[key] and getattr(res, f"{other}_se") == res.std_errors[key]


def test_no_data_legend_entry_is_added_in_one_place():
    from spillover.maps._base import NO_DATA_HATCH, legend_patch, with_no_data

    first = legend_patch("red", "a (1)")
    assert with_no_data([first], 0) == [first]  # nothing missing: no entry
    entries = with_no_data([first], 3)
    assert entries[0] is first and entries[-1].get_label() == "No data (3)"
    assert entries[-1].get_hatch() == NO_DATA_HATCH
