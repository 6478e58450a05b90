"""Indicators: entropy-weight index, location quotient, co-agglomeration, EG index, spatial Gini.

Every expected number below is computed by hand from the formulas in the docstrings (written out step by
step in the comments) on frames small enough to check on paper; tolerances are 1e-12 (the same arithmetic
in double precision) unless stated.  Property tests (hypothesis) check the invariants named in issue #4.
"""

from __future__ import annotations

from math import log

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spillover as so
from spillover.errors import PanelError, SpilloverError
from spillover.indicators import (
    IndicatorError,
    coagglomeration,
    ellison_glaeser,
    entropy_index,
    location_quotient,
    spatial_gini,
)

EXACT = 1e-12  # the same closed-form arithmetic, double precision


# ====================================================================== entropy-weight index
@pytest.fixture
def tiny() -> pd.DataFrame:
    return pd.DataFrame({"gdp": [1.0, 2.0, 4.0], "pollution": [3.0, 1.0, 2.0]}, index=["a", "b", "c"])


def test_entropy_hand_computed(tiny):
    before = tiny.copy()
    res = entropy_index(tiny, {"gdp": "+", "pollution": "-"}, scale=100)
    pd.testing.assert_frame_equal(tiny, before)  # input untouched
    # gdp (+): Y = (x - 1) / 3 = [0, 1/3, 1]; p = [0, 1/4, 3/4]   (0 ln 0 = 0)
    e_gdp = -(0.25 * log(0.25) + 0.75 * log(0.75)) / log(3)
    # pollution (-): Y = (3 - x) / 2 = [0, 1, 1/2]; p = [0, 2/3, 1/3]
    e_pol = -(2 / 3 * log(2 / 3) + 1 / 3 * log(1 / 3)) / log(3)
    d = np.array([1 - e_gdp, 1 - e_pol])
    w = d / d.sum()
    table = res.weights
    assert table.index.tolist() == ["gdp", "pollution"]
    assert table["direction"].tolist() == ["+", "-"]
    np.testing.assert_allclose(table["entropy"], [e_gdp, e_pol], rtol=EXACT)
    np.testing.assert_allclose(table["utility"], d, rtol=EXACT)
    np.testing.assert_allclose(table["weight"], w, rtol=EXACT)
    expected = 100 * (w[0] * np.array([0, 1 / 3, 1]) + w[1] * np.array([0, 1, 0.5]))
    np.testing.assert_allclose(res.scores, expected, atol=EXACT)
    assert res.scores.index.tolist() == ["a", "b", "c"] and res.scores.name == "score"
    np.testing.assert_allclose(res.standardized["pollution"], [0, 1, 0.5], atol=EXACT)


def test_entropy_proportion_basis_and_x1000(tiny):
    res = entropy_index(tiny, {"gdp": "+", "pollution": "-"}, basis="proportion", scale=1000)
    w = res.weights["weight"].to_numpy()
    # eq. 17: score = 1000 * sum_j w_j p_ij with the proportions of the hand example above
    expected = 1000 * (w[0] * np.array([0, 0.25, 0.75]) + w[1] * np.array([0, 2 / 3, 1 / 3]))
    np.testing.assert_allclose(res.scores, expected, atol=1e-9)


def test_entropy_dimensions_overall_and_within_weights():
    df = pd.DataFrame({"a": [1.0, 2, 3, 10], "b": [5.0, 1, 1, 2], "c": [0.0, 1, 0, 1]})
    dims = {"tech": ["a", "b"], "green": ["c"]}
    res = entropy_index(df, {"a": "+", "b": "-", "c": "+"}, dimensions=dims, scale=100)
    # c: Y = [0, 1, 0, 1], p = [0, 1/2, 0, 1/2] -> e = ln 2 / ln 4 = 1/2
    assert res.weights.loc["c", "entropy"] == pytest.approx(0.5, abs=EXACT)
    d = res.weights["utility"]
    assert res.weights.loc["a", "within_weight"] == pytest.approx(d["a"] / (d["a"] + d["b"]), abs=EXACT)
    assert res.weights.loc["c", "within_weight"] == pytest.approx(1.0, abs=EXACT)
    assert res.weights["dimension"].tolist() == ["tech", "tech", "green"]
    dim_w = res.dimension_weights()
    assert dim_w["tech"] == pytest.approx(res.weights.loc[["a", "b"], "weight"].sum(), abs=EXACT)
    # the overall score is the dimension scores weighted by the dimensions' weights
    recombined = res.dimension_scores["tech"] * dim_w["tech"] + res.dimension_scores["green"] * dim_w["green"]
    np.testing.assert_allclose(res.scores, recombined, atol=1e-10)
    table = res.evaluation_table()
    assert table.index.names == ["dimension", "indicator"]
    assert table.columns.tolist() == ["direction", "weight", "within_weight"]
    # {indicator: dimension} gives the same result
    by_indicator = {"a": "tech", "b": "tech", "c": "green"}
    same = entropy_index(df, {"a": "+", "b": "-", "c": "+"}, dimensions=by_indicator)
    np.testing.assert_allclose(same.weights["weight"], res.weights["weight"], rtol=EXACT)
    assert set(res.to_frame().columns) == {"score", "tech", "green"}


def test_entropy_pooling_period_equals_separate_runs():
    df = pd.DataFrame(
        {
            "year": [2000, 2000, 2000, 2001, 2001, 2001],
            "x": [1.0, 2, 4, 2, 2, 3],
            "y": [0.5, 0.1, 0.2, 9, 3, 4],
        },
        index=list("abcdef"),
    )
    res = entropy_index(df, {"x": "+", "y": "-"}, pooling="period", time="year")
    assert res.weights.index.names == ["year", "indicator"]
    for year in (2000, 2001):
        part = df[df["year"] == year]
        alone = entropy_index(part, {"x": "+", "y": "-"})
        np.testing.assert_allclose(res.weights.loc[year, "weight"], alone.weights["weight"], rtol=EXACT)
        np.testing.assert_allclose(res.scores[part.index], alone.scores, rtol=EXACT)
    pooled = entropy_index(df, {"x": "+", "y": "-"})
    assert not np.allclose(pooled.scores, res.scores)  # pooling over the whole panel differs


def test_entropy_on_a_spatial_panel_feeds_back():
    panel = so.datasets.us_states()
    res = entropy_index(panel, {"ln_gsp": "+", "unemp": "-", "ln_pcap": "+"}, scale=100, name="dev")
    assert res.scores.index.equals(panel.data.index)
    assert res.scores.between(0, 100).all()
    p2 = panel.with_data(res.scores)
    assert "dev" in p2.variables
    dims = {"economy": ["ln_gsp", "unemp"], "infrastructure": ["ln_pcap"]}
    dirs = {"ln_gsp": "+", "unemp": "-", "ln_pcap": "+"}
    per = entropy_index(panel, dirs, dimensions=dims, pooling="period")
    assert per.weights.index.get_level_values("year").unique().tolist() == panel.periods.tolist()
    assert per.evaluation_table().index.names == ["year", "dimension", "indicator"]
    dim_w = per.dimension_weights()
    assert dim_w.index.names == ["year", "dimension"]
    np.testing.assert_allclose(dim_w.groupby(level="year").sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(per.weights.loc[(1980, "ln_pcap"), "within_weight"], 1.0, rtol=1e-12)


def test_entropy_constant_indicator_error_or_zero_weight():
    df = pd.DataFrame({"x": [1.0, 2, 4], "flat": [3.0, 3, 3], "y": [2.0, 0, 1]})
    with pytest.raises(IndicatorError, match=r"'flat'.*constant"):
        entropy_index(df, {"x": "+", "flat": "+", "y": "-"})
    kept = entropy_index(df, {"x": "+", "flat": "+", "y": "-"}, constant="zero-weight")
    assert kept.weights.loc["flat", "weight"] == 0 and kept.weights.loc["flat", "entropy"] == 1
    without = entropy_index(df, {"x": "+", "y": "-"})
    np.testing.assert_allclose(kept.weights.loc[["x", "y"], "weight"], without.weights["weight"], rtol=EXACT)
    np.testing.assert_allclose(kept.scores, without.scores, rtol=EXACT)


def test_entropy_bad_input_is_named():
    df = pd.DataFrame({"x": [1.0, 2, 4], "y": [2.0, np.nan, 1]}, index=["p", "q", "r"])
    with pytest.raises(IndicatorError, match=r"'z'.*no declared direction"):
        entropy_index(df, {"x": "+"}, dimensions={"d": ["x", "z"]})
    with pytest.raises(IndicatorError, match=r"'x' has direction 'up'"):
        entropy_index(df, {"x": "up"})
    with pytest.raises(IndicatorError, match=r"'y'.*no dimension"):
        entropy_index(df.fillna(0), {"x": "+", "y": "-"}, dimensions={"d": ["x"]})
    with pytest.raises(PanelError, match=r"'y' is missing or infinite at 'q'"):
        entropy_index(df, {"x": "+", "y": "-"})
    with pytest.raises(PanelError, match="'w'"):
        entropy_index(df, {"w": "+"})
    with pytest.raises(IndicatorError, match="time="):
        entropy_index(df, {"x": "+"}, pooling="period")
    with pytest.raises(SpilloverError, match="'pooling' needs to be one of"):
        entropy_index(df, {"x": "+"}, pooling="year")  # type: ignore[arg-type]
    with pytest.raises(IndicatorError, match="scale"):
        entropy_index(df, {"x": "+"}, scale=0)


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def indicator_frames(draw):
    n = draw(st.integers(min_value=2, max_value=8))
    k = draw(st.integers(min_value=1, max_value=4))
    cols = {}
    for j in range(k):
        values = draw(st.lists(finite, min_size=n, max_size=n).filter(lambda v: max(v) - min(v) > 1e-3))
        cols[f"i{j}"] = values
    dirs = {c: draw(st.sampled_from(["+", "-"])) for c in cols}
    return pd.DataFrame(cols), dirs


@settings(max_examples=60, deadline=None)
@given(indicator_frames(), st.floats(min_value=0.5, max_value=100), st.floats(min_value=-50, max_value=50))
def test_entropy_properties(frame_dirs, factor, offset):
    frame, dirs = frame_dirs
    res = entropy_index(frame, dirs, scale=100)
    w = res.weights["weight"]
    assert (w >= -1e-15).all() and w.sum() == pytest.approx(1.0, abs=1e-12)
    assert (res.weights["entropy"] <= 1 + 1e-12).all() and (res.weights["entropy"] >= -1e-12).all()
    assert res.scores.between(-1e-9, 100 + 1e-9).all()
    # min-max standardisation makes the method invariant to positive affine changes of units
    moved = entropy_index(frame * factor + offset, dirs, scale=100)
    np.testing.assert_allclose(moved.weights["weight"], w, atol=1e-7)
    # a negative indicator is the positive indicator of the negated values
    flipped = {c: "+" if d == "-" else "-" for c, d in dirs.items()}
    neg = entropy_index(-frame, flipped, scale=100)
    np.testing.assert_allclose(neg.scores, res.scores, atol=1e-9)


# ====================================================================== location quotient, co-agglomeration
@pytest.fixture
def employment() -> pd.DataFrame:
    # two periods x three regions; manufacturing m, producer services ps, total emp
    return pd.DataFrame(
        {
            "region": ["a", "b", "c"] * 2,
            "year": [1, 1, 1, 2, 2, 2],
            "m": [20.0, 10.0, 10.0, 30.0, 0.0, 10.0],
            "ps": [10.0, 10.0, 20.0, 10.0, 10.0, 20.0],
            "emp": [100.0, 50.0, 50.0, 100.0, 100.0, 100.0],
        }
    )


def test_location_quotient_hand_computed(employment):
    lq = location_quotient(employment, "m", "emp", id="region", time="year")
    assert lq.name == "lq_m" and lq.index.names == ["region", "year"]
    # year 1: national share 40/200 = 0.2; a: 0.2/0.2 = 1, b: 0.2/0.2 = 1, c: 0.2/0.2 = 1
    # year 2: national share 40/300; a: 0.3 / (2/15) = 2.25, b: 0, c: 0.1 / (2/15) = 0.75
    np.testing.assert_allclose(lq.to_numpy(), [1, 1, 1, 2.25, 0, 0.75], rtol=EXACT)


def test_coagglomeration_hand_computed(employment):
    co = coagglomeration(employment, "m", "ps", "emp", id="region", time="year")
    # year 1, ps: national share 40/200 = 0.2; LQ_ps a = 0.1/0.2 = 0.5, b = 0.2/0.2 = 1, c = 0.4/0.2 = 2
    # a: A = 1, B = 0.5 -> 1 - 0.5/1.5 + 1.5 = 2.1666...; b: A = B = 1 -> 1 + 2 = 3; c: 1 - 1/3 + 3
    # year 2, ps: 40/300; LQ_ps a = 0.1/(2/15) = 0.75, b = 0.75, c = 1.5
    # a: A = 2.25, B = 0.75 -> 1 - 1.5/3 + 3 = 3.5; b: A = 0 -> 1 - 1 + 0.75; c: A = 0.75, B = 1.5 ->
    # 1 - 0.75/2.25 + 2.25
    expected = [1 - 0.5 / 1.5 + 1.5, 3.0, 1 - 1 / 3 + 3, 3.5, 0.75, 1 - 1 / 3 + 2.25]
    np.testing.assert_allclose(co.to_numpy(), expected, rtol=EXACT)
    assert co.name == "coagglo"


def test_employment_inputs_spatial_panel_and_index_forms(employment):
    indexed = employment.set_index(["region", "year"])
    lq_cols = location_quotient(employment, "m", "emp", id="region", time="year")
    lq_idx = location_quotient(indexed, "m", "emp")  # two-level index: regions, periods
    pd.testing.assert_series_equal(lq_cols, lq_idx)
    panel = so.datasets.us_states()
    lq = location_quotient(panel, "emp", "emp")  # a sector that is the whole economy has LQ 1
    np.testing.assert_allclose(lq, 1.0, rtol=1e-12)
    assert lq.index.equals(panel.data.index)


def test_negative_and_zero_employment_are_named(employment):
    bad = employment.copy()
    bad.loc[4, "ps"] = -3.0
    with pytest.raises(IndicatorError, match=r"'ps' is negative at \('b', 2\)"):
        coagglomeration(bad, "m", "ps", "emp", id="region", time="year")
    zero = employment.copy()
    zero.loc[1, "emp"] = 0.0
    with pytest.raises(IndicatorError, match=r"zero at \('b', 1\)"):
        location_quotient(zero, "m", "emp", id="region", time="year")
    none = employment.copy()
    none.loc[4, ["m", "ps"]] = 0.0
    with pytest.raises(IndicatorError, match=r"\('b', 2\)"):
        coagglomeration(none, "m", "ps", "emp", id="region", time="year")
    with pytest.raises(PanelError, match="'jobs'"):
        location_quotient(employment, "m", "jobs", id="region", time="year")
    dup = pd.concat([employment, employment.iloc[:1]])
    with pytest.raises(PanelError, match="duplicate"):
        location_quotient(dup, "m", "emp", id="region", time="year")


positive = st.floats(min_value=0.01, max_value=1e5, allow_nan=False)


@st.composite
def employment_frames(draw):
    n = draw(st.integers(min_value=2, max_value=7))
    a = draw(st.lists(positive, min_size=n, max_size=n))
    b = draw(st.lists(positive, min_size=n, max_size=n))
    other = draw(st.lists(positive, min_size=n, max_size=n))
    emp = np.add(np.add(a, b), other)
    return pd.DataFrame({"a": a, "b": b, "emp": emp}, index=[f"r{i}" for i in range(n)])


@settings(max_examples=60, deadline=None)
@given(employment_frames())
def test_lq_and_coagglo_properties(frame):
    lq = location_quotient(frame, "a", "emp")
    # the employment-weighted mean of LQ is 1
    assert (lq * frame["emp"] / frame["emp"].sum()).sum() == pytest.approx(1.0, rel=1e-9)
    # a region holding exactly the national share has LQ 1
    share = frame["a"].sum() / frame["emp"].sum()
    extra = pd.concat([frame, pd.DataFrame({"a": [share * 50.0], "b": [1.0], "emp": [50.0]}, index=["x"])])
    assert location_quotient(extra, "a", "emp")["x"] == pytest.approx(1.0, rel=1e-9)
    # co-agglomeration is symmetric in the two sectors and exceeds A + B by at most 1
    ab = coagglomeration(frame, "a", "b", "emp")
    np.testing.assert_allclose(ab, coagglomeration(frame, "b", "a", "emp"), rtol=1e-12)
    total = lq + location_quotient(frame, "b", "emp")
    assert ((ab - total) <= 1 + 1e-12).all() and ((ab - total) >= -1e-12).all()
    # EG is symmetric too
    eg_ab, eg_ba = ellison_glaeser(frame, "a", "b").iloc[0], ellison_glaeser(frame, "b", "a").iloc[0]
    assert eg_ab == pytest.approx(eg_ba, rel=1e-9, abs=1e-9)  # EG can be ~0: rounding of H differences


# ====================================================================== Ellison-Glaeser
def test_ellison_glaeser_hand_computed(employment):
    eg = ellison_glaeser(employment, "m", "ps", id="region", time="year")
    assert eg.index.tolist() == [1, 2] and eg.index.name == "year" and eg.name == "eg"
    # year 1: m = [20, 10, 10] -> S = [.5, .25, .25], H_m = 0.375 - 1/3
    #         ps = [10, 10, 20] -> same shares reordered, H_ps = 0.375 - 1/3
    #         m + ps = [30, 20, 30] / 80 -> sum S^2 = (900 + 400 + 900) / 6400, H = that - 1/3
    #         w_m = w_ps = 1/2 -> EG = [H_ab - (H_m + H_ps) / 4] / (1 - 1/2)
    h_m = 0.375 - 1 / 3
    h_ab = 2200 / 6400 - 1 / 3
    y1 = (h_ab - (h_m + h_m) / 4) / 0.5
    # year 2: m = [30, 0, 10] -> S = [.75, 0, .25], H_m = 0.625 - 1/3
    #         ps = [10, 10, 20] -> H_ps = 0.375 - 1/3; m + ps = [40, 10, 30] / 80 -> (1600+100+900)/6400
    h_m2, h_ps2, h_ab2 = 0.625 - 1 / 3, 0.375 - 1 / 3, 2600 / 6400 - 1 / 3
    y2 = (h_ab2 - (h_m2 + h_ps2) / 4) / 0.5
    np.testing.assert_allclose(eg.to_numpy(), [y1, y2], rtol=EXACT)


def test_ellison_glaeser_by_group_and_single_cross_section(employment):
    groups = {"a": "north", "b": "north", "c": "south"}
    extra = employment.assign(c2=employment["region"])  # unused column
    by_group = ellison_glaeser(extra, "m", "ps", id="region", time="year", by=groups)
    assert by_group.index.names == ["group", "year"]
    part = employment[employment["region"].isin(["a", "b"])]
    alone = ellison_glaeser(part, "m", "ps", id="region", time="year")
    np.testing.assert_allclose(by_group.loc["north"].to_numpy(), alone.to_numpy(), rtol=EXACT)
    with pytest.raises(IndicatorError, match="'m' has no employment"):
        ellison_glaeser(employment.assign(m=0.0), "m", "ps", id="region", time="year")
    with pytest.raises(IndicatorError, match="'c'"):
        ellison_glaeser(employment, "m", "ps", id="region", time="year", by={"a": 1, "b": 1})


# ====================================================================== spatial Gini
def test_spatial_gini_hand_computed():
    df = pd.DataFrame({"ind": [1.0, 2.0, 3.0, 4.0]}, index=list("abcd"))
    # shares .1 .2 .3 .4, cumulative .1 .3 .6 1 -> G = 1 - (.1 + .4 + .9 + 1.6) / 4 = 0.25
    assert spatial_gini(df, "ind").iloc[0] == pytest.approx(0.25, abs=EXACT)
    # mean absolute difference / (2 * mean): sum |xi - xj| over ordered pairs = 20 -> 20 / (2 * 16 * 2.5)
    # krugman: (s - 1/4)^2 = .0225 + .0025 + .0025 + .0225
    assert spatial_gini(df, "ind", method="krugman").iloc[0] == pytest.approx(0.05, abs=EXACT)
    ref = pd.DataFrame({"ind": [2.0, 2.0, 0.0], "emp": [1.0, 1.0, 2.0]}, index=list("abc"))
    # s = [.5, .5, 0], x = [.25, .25, .5]; sorted by s/x: c, a, b; S = 0, 0, .5, 1
    # G = 1 - [.5 (0 + 0) + .25 (0 + .5) + .25 (.5 + 1)] = 0.5; krugman: .0625 + .0625 + .25
    assert spatial_gini(ref, "ind", total="emp").iloc[0] == pytest.approx(0.5, abs=EXACT)
    assert spatial_gini(ref, "ind", total="emp", method="krugman").iloc[0] == pytest.approx(0.375, abs=EXACT)


def test_spatial_gini_per_period_on_panel():
    panel = so.datasets.us_states()
    g = spatial_gini(panel, "gsp", total="emp")
    assert g.index.equals(pd.Index(panel.periods, name="year")) and g.name == "gini_gsp"
    for year in (1970, 1986):  # cross-check one period with the Lorenz-curve definition written out
        cs = panel.cross_section(year)
        s = (cs["gsp"] / cs["gsp"].sum()).to_numpy()
        x = (cs["emp"] / cs["emp"].sum()).to_numpy()
        order = np.argsort(s / x)
        cum = np.concatenate([[0], np.cumsum(s[order])])
        assert g[year] == pytest.approx(1 - np.sum(x[order] * (cum[1:] + cum[:-1])), abs=1e-12)
    with pytest.raises(SpilloverError, match="'method' needs to be one of"):
        spatial_gini(panel, "gsp", method="theil")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.lists(positive, min_size=2, max_size=9), st.floats(min_value=0.1, max_value=100))
def test_spatial_gini_properties(values, factor):
    df = pd.DataFrame({"v": values, "emp": values[::-1]})
    g = spatial_gini(df, "v").iloc[0]
    assert -1e-12 <= g < 1
    assert spatial_gini(df * factor, "v").iloc[0] == pytest.approx(g, abs=1e-9)  # scale invariant
    proportional = df.assign(emp=df["v"] * 3.0)
    assert spatial_gini(proportional, "v", total="emp").iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert -1e-12 <= spatial_gini(df, "v", total="emp").iloc[0] < 1  # >= 0 up to rounding


def test_ellison_glaeser_by_column_of_data_or_geometry(employment):
    with_col = employment.assign(zone=employment["region"].map({"a": "n", "b": "n", "c": "s"}))
    by_col = ellison_glaeser(with_col, "m", "ps", id="region", time="year", by="zone")
    zones = {"a": "n", "b": "n", "c": "s"}
    by_map = ellison_glaeser(employment, "m", "ps", id="region", time="year", by=zones)
    pd.testing.assert_series_equal(by_col, by_map)
    assert (by_col.loc["s"] == 0).all()  # one region: every H is 1 - 1/1 = 0
    panel = so.datasets.us_states()
    eg = ellison_glaeser(panel, "gsp", "pcap", by="sub_region")  # a column of the panel's geometry
    assert eg.index.names == ["group", "year"]
    assert set(eg.index.get_level_values("group")) == set(panel.geometry["sub_region"])
    with pytest.raises(PanelError, match="'nope'"):
        ellison_glaeser(panel, "gsp", "pcap", by="nope")
