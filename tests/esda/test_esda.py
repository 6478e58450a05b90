"""Moran's I / Geary's C per period and LISA, checked against an independent Cliff-Ord implementation.

Reference: the moments of Moran's I and Geary's C under normality and randomisation (Cliff and Ord 1981,
Spatial Processes, ch. 1-2) and the local Moran of Anselin (1995) are written out below in plain numpy,
independently of esda, and evaluated on Munnell's US states panel (linearmodels.datasets.munnell, via
spillover.datasets.us_states) with the queen contiguity of libpysal's ``examples/us_income/states48.gal``
(ids "0".."47" = the states in alphabetical order).  Agreement is required to 1e-10: both sides compute the
same closed-form expressions in double precision on n = 48, so only rounding (~1e-15 relative) separates them.
"""

from __future__ import annotations

import geopandas as gpd
import libpysal
import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph

import spillover as so
from spillover import esda as sesda
from spillover import maps
from spillover.errors import PanelError, SpilloverError, WeightsError
from spillover.esda import _moran as esda_moran

matplotlib.use("Agg")
TOL = 1e-10  # closed-form statistics computed two ways in double precision (see module docstring)


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def panel() -> so.SpatialPanel:
    return so.datasets.us_states()


@pytest.fixture(scope="module")
def gal_w(panel) -> libpysal.weights.W:
    """states48.gal with its ids "0".."47" renamed to the (alphabetical) state names."""
    raw = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    names = panel.ids.tolist()
    neighbors = {names[int(k)]: [names[int(j)] for j in v] for k, v in raw.neighbors.items()}
    return libpysal.weights.W(neighbors, id_order=names, silence_warnings=True)


@pytest.fixture(scope="module")
def gal_graph(gal_w) -> Graph:
    return Graph.from_W(gal_w)


def _dense(w: libpysal.weights.W, ids: list, transform: str) -> np.ndarray:
    """Dense weights matrix in the order ``ids`` built from the neighbour lists (no esda/libpysal maths)."""
    pos = {k: i for i, k in enumerate(ids)}
    mat = np.zeros((len(ids), len(ids)))
    for k, nbrs in w.neighbors.items():
        for j in nbrs:
            mat[pos[k], pos[j]] = 1.0
    if transform == "r":
        mat = mat / mat.sum(axis=1, keepdims=True)
    return mat


def _s012(wm: np.ndarray) -> tuple[float, float, float]:
    s0 = wm.sum()
    s1 = 0.5 * ((wm + wm.T) ** 2).sum()
    s2 = ((wm.sum(axis=1) + wm.sum(axis=0)) ** 2).sum()
    return s0, s1, s2


def _cliff_ord_moran(y: np.ndarray, wm: np.ndarray) -> dict[str, float]:
    n = y.size
    z = y - y.mean()
    s0, s1, s2 = _s012(wm)
    i_stat = n / s0 * (z @ wm @ z) / (z @ z)
    ei = -1.0 / (n - 1)
    var_norm = (n * n * s1 - n * s2 + 3 * s0**2) / ((n * n - 1) * s0**2) - ei**2
    b2 = n * (z**4).sum() / (z @ z) ** 2
    num = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0**2)
    num -= b2 * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0**2)
    var_rand = num / ((n - 1) * (n - 2) * (n - 3) * s0**2) - ei**2
    return {
        "I": i_stat,
        "E[I]": ei,
        "var_norm": var_norm,
        "var_rand": var_rand,
        "z_norm": (i_stat - ei) / np.sqrt(var_norm),
        "z_rand": (i_stat - ei) / np.sqrt(var_rand),
    }


def _cliff_ord_geary(y: np.ndarray, wm: np.ndarray) -> dict[str, float]:
    n = y.size
    z = y - y.mean()
    s0, s1, s2 = _s012(wm)
    c_stat = (n - 1) * (wm * (y[:, None] - y[None, :]) ** 2).sum() / (2 * s0 * (z @ z))
    b2 = n * (z**4).sum() / (z @ z) ** 2
    var_norm = ((2 * s1 + s2) * (n - 1) - 4 * s0**2) / (2 * (n + 1) * s0**2)
    var_rand = (
        (n - 1) * s1 * (n * n - 3 * n + 3 - (n - 1) * b2)
        - 0.25 * (n - 1) * s2 * (n * n + 3 * n - 6 - (n * n - n + 2) * b2)
        + s0**2 * (n * n - 3 - (n - 1) ** 2 * b2)
    ) / (n * (n - 2) * (n - 3) * s0**2)
    return {
        "C": c_stat,
        "E[C]": 1.0,
        "var_norm": var_norm,
        "var_rand": var_rand,
        "z_norm": (c_stat - 1) / np.sqrt(var_norm),
        "z_rand": (c_stat - 1) / np.sqrt(var_rand),
    }


# ---------------------------------------------------------------------- global statistics vs Cliff-Ord
@pytest.mark.parametrize("transform", ["r", "b"])
def test_moran_by_period_matches_cliff_ord(panel, gal_graph, gal_w, transform):
    table = sesda.moran_by_period(panel, "ln_gsp", gal_graph, permutations=0, transform=transform)
    assert table.index.equals(panel.periods)
    wm = _dense(gal_w, panel.ids.tolist(), transform)
    ymat = panel.matrix("ln_gsp")
    for period in panel.periods:
        ref = _cliff_ord_moran(ymat[period].to_numpy(), wm)
        for col, val in ref.items():
            assert table.loc[period, col] == pytest.approx(val, abs=TOL, rel=TOL), (period, col)
        # two-sided normal p-values from the same z
        assert table.loc[period, "p_norm"] == pytest.approx(2 * (1 - _phi(abs(ref["z_norm"]))), abs=1e-12)
    assert table["p_sim"].isna().all()  # no permutations asked for


def test_geary_by_period_matches_cliff_ord(panel, gal_graph, gal_w):
    table = sesda.geary_by_period(panel, "ln_emp", gal_graph, permutations=0)
    wm = _dense(gal_w, panel.ids.tolist(), "r")
    ymat = panel.matrix("ln_emp")
    for period in panel.periods:
        ref = _cliff_ord_geary(ymat[period].to_numpy(), wm)
        for col, val in ref.items():
            assert table.loc[period, col] == pytest.approx(val, abs=TOL, rel=TOL), (period, col)
        assert table.loc[period, "p_rand"] == pytest.approx(2 * (1 - _phi(abs(ref["z_rand"]))), abs=1e-12)


def _phi(x: float) -> float:
    from math import erf, sqrt

    return 0.5 * (1 + erf(x / sqrt(2)))


def test_weights_input_types_and_order_give_the_same_table(panel, gal_graph, gal_w):
    """A W, a Graph with shuffled ids, and a dense frame all give the same numbers; W is not mutated."""
    base = sesda.moran_by_period(panel, "ln_pc", gal_graph, permutations=49, seed=3)
    before = gal_w.transform
    from_w = sesda.moran_by_period(panel, "ln_pc", gal_w, permutations=49, seed=3)
    assert gal_w.transform == before
    rev = panel.ids[::-1].tolist()
    dense = pd.DataFrame(_dense(gal_w, rev, "b"), index=rev, columns=rev)
    from_frame = sesda.moran_by_period(panel, "ln_pc", dense, permutations=49, seed=3)
    pd.testing.assert_frame_equal(base, from_w, rtol=1e-12)
    pd.testing.assert_frame_equal(base, from_frame, rtol=1e-12)


# ---------------------------------------------------------------------- permutations
def test_permutation_p_value_is_reproducible_and_leaves_global_rng_alone(panel, gal_graph):
    np.random.seed(12345)
    state = np.random.get_state()
    first = sesda.moran_by_period(panel, "ln_gsp", gal_graph, permutations=199, seed=7)
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2:] == state[2:]
    second = sesda.moran_by_period(panel, "ln_gsp", gal_graph, permutations=199, seed=7)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    other = sesda.moran_by_period(panel, "ln_gsp", gal_graph, permutations=199, seed=8)
    assert not first["p_sim"].equals(other["p_sim"])
    # p_sim lies on the grid (k + 1) / (P + 1) with k <= P / 2
    k = first["p_sim"] * 200 - 1
    assert np.allclose(k, np.round(k)) and (k >= 0).all() and (k <= 100).all()


def test_permuted_statistics_equal_esda_on_the_same_permutations(panel, gal_graph):
    """The vectorised permutation engine computes exactly esda's I and C of each permuted vector."""
    from esda import Geary, Moran

    y = panel.matrix("ln_gsp")[1980].to_numpy()
    graph = gal_graph.transform("R")
    z = y - y.mean()
    perms = np.random.default_rng(11).permuted(np.broadcast_to(z, (5, z.size)), axis=1)
    sims = esda_moran._permuted_moran(y, graph.sparse, 5, np.random.default_rng(11))
    ref = [Moran(p, graph, permutations=0).I for p in perms]
    np.testing.assert_allclose(sims, ref, rtol=1e-12)
    sims_c = esda_moran._permuted_geary(y, graph.sparse, 5, np.random.default_rng(11))
    ref_c = [Geary(p, graph, permutations=0).C for p in perms]
    np.testing.assert_allclose(sims_c, ref_c, rtol=1e-12)


def test_pseudo_p_convention():
    # hand count: 3 of 9 sims >= 0.5 -> min(3, 6) = 3 -> (3 + 1) / 10
    sims = np.array([0.1, 0.2, 0.6, 0.7, 0.8, 0.0, -0.1, 0.3, 0.4])
    assert esda_moran._pseudo_p(sims, 0.5) == pytest.approx(0.4)
    # 8 of 9 >= -0.05 -> folded to 1 -> 0.2
    assert esda_moran._pseudo_p(sims, -0.05) == pytest.approx(0.2)


def test_strong_autocorrelation_is_detected(panel, gal_graph):
    """A variable equal to longitude is strongly autocorrelated: I >> E[I], p_sim at its minimum."""
    lon = panel.geometry.to_crs("EPSG:5070").centroid.x / 1e5
    extra = pd.DataFrame(
        [(s, t, lon[s]) for s in panel.ids for t in panel.periods[:2]], columns=["state", "year", "lon"]
    )
    sub = panel.subset(periods=panel.periods[:2])
    p2 = sub.with_data(extra.set_index(["state", "year"]))
    table = sesda.moran_by_period(p2, "lon", gal_graph, permutations=99, seed=0)
    assert (table["I"] > 0.8).all()
    np.testing.assert_allclose(table["p_sim"], 0.01, rtol=1e-12)  # (0 + 1) / (99 + 1)


# ---------------------------------------------------------------------- local Moran
def test_local_moran_matches_formula_and_is_seeded(panel, gal_graph, gal_w):
    state = np.random.get_state()
    res = sesda.local_moran(panel, "ln_gsp", gal_graph, period=1986, permutations=99, seed=5)
    after = np.random.get_state()
    assert np.array_equal(after[1], state[1]) and after[2] == state[2]
    frame = res.to_frame()
    assert frame.index.equals(panel.ids)
    y = panel.matrix("ln_gsp")[1986].to_numpy()
    wm = _dense(gal_w, panel.ids.tolist(), "r")
    z = y - y.mean()
    m2 = (z @ z) / (len(y) - 1)  # Anselin (1995) local Moran with esda's m2 = z'z / (n - 1)
    np.testing.assert_allclose(frame["Ii"], z * (wm @ z) / m2, rtol=1e-10)
    zs = z / y.std()
    np.testing.assert_allclose(frame["lag_z"], wm @ zs, rtol=1e-10)
    hi, lag_hi = zs > 0, wm @ zs > 0
    expected = np.where(
        hi & lag_hi, "High-High", np.where(~hi & ~lag_hi, "Low-Low", np.where(hi, "High-Low", "Low-High"))
    )
    assert frame["quadrant"].tolist() == expected.tolist()
    sig = frame["p_sim"] <= 0.05
    assert (frame.loc[sig, "cluster"] == frame.loc[sig, "quadrant"]).all()
    assert (frame.loc[~sig, "cluster"] == "Not significant").all()
    again = sesda.local_moran(panel, "ln_gsp", gal_graph, period=1986, permutations=99, seed=5)
    pd.testing.assert_frame_equal(frame, again.to_frame(), check_exact=True)
    assert res.counts().sum() == 48 and list(res.counts().index)[-1] == "Not significant"


def test_local_moran_result_is_frozen(panel, gal_graph):
    res = sesda.local_moran(panel, "ln_gsp", gal_graph, period=1970, permutations=9)
    with pytest.raises(AttributeError):
        res.alpha = 0.1  # type: ignore[misc]
    frame = res.to_frame()
    frame.iloc[0, 0] = -1.0  # a copy: the result is unchanged
    assert res.to_frame().iloc[0, 0] != -1.0


# ---------------------------------------------------------------------- scatter plot and map
def test_scatter_slope_is_moran_i(panel, gal_graph):
    sc = sesda.moran_scatter_data(panel, "ln_pcap", gal_graph, period=1975)
    table = sesda.moran_by_period(panel, "ln_pcap", gal_graph, permutations=0)
    assert sc.moran_i == pytest.approx(table.loc[1975, "I"], abs=TOL)
    assert sc.slope == pytest.approx(sc.moran_i, abs=TOL)  # row-standardised, no islands
    frame = sc.to_frame()
    assert frame["z"].mean() == pytest.approx(0, abs=1e-12) and frame["z"].std(ddof=0) == pytest.approx(1)
    fit = np.polyfit(frame["z"], frame["lag_z"], 1)
    assert fit[0] == pytest.approx(sc.slope, abs=1e-10) and fit[1] == pytest.approx(sc.intercept, abs=1e-10)


def test_scatter_plot_and_lisa_map_draw(panel, gal_graph, tmp_path):
    import matplotlib.pyplot as plt

    ax = maps.moran_scatter(
        panel, "ln_gsp", gal_graph, period=1986, permutations=99, labels="extreme", max_labels=4
    ).axes[0]
    assert len(ax.texts) == 4
    assert len(ax.lines) == 3  # two quadrant lines and the fitted slope
    slope_line = ax.lines[-1]
    xs, ys = slope_line.get_data()
    sc = sesda.moran_scatter_data(panel, "ln_gsp", gal_graph, period=1986)
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(sc.slope)
    plt.close("all")
    lisa = sesda.local_moran(panel, "ln_gsp", gal_graph, period=1986, permutations=99)
    ax = maps.lisa_map(lisa).axes[0]
    colors = [tuple(np.round(c[:3], 3)) for c in ax.collections[0].get_facecolor()]
    expected = [tuple(np.round(matplotlib.colors.to_rgb(sesda.LISA_COLORS[c]), 3)) for c in lisa.clusters]
    assert colors == expected
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("High-High") and labels[-1].startswith("Not significant")
    ax.figure.savefig(tmp_path / "lisa.png")
    assert (tmp_path / "lisa.png").stat().st_size > 0
    plt.close("all")


def test_lisa_map_needs_all_regions(panel, gal_graph):
    lisa = sesda.local_moran(panel, "ln_gsp", gal_graph, period=1986, permutations=9)
    geo = panel.geometry.drop(index="Texas")
    with pytest.raises(SpilloverError, match="Texas"):
        maps.lisa_map(lisa, geo)


# ---------------------------------------------------------------------- bad input
def _panel_with(panel: so.SpatialPanel, values: dict[tuple[str, int], float]) -> so.SpatialPanel:
    data = panel.data.reset_index()
    for (state, year), v in values.items():
        data.loc[(data["state"] == state) & (data["year"] == year), "ln_gsp"] = v
    return so.SpatialPanel(data, panel.geometry.reset_index(), id="state", time="year")


def test_nan_in_a_period_names_the_regions(panel, gal_graph):
    bad = _panel_with(panel, {("Texas", 1975): np.nan, ("Ohio", 1975): np.nan})
    with pytest.raises(PanelError, match=r"1975.*'Ohio', 'Texas'"):
        sesda.moran_by_period(bad, "ln_gsp", gal_graph, permutations=0)
    with pytest.raises(PanelError, match="Texas"):
        sesda.local_moran(bad, "ln_gsp", gal_graph, period=1975)


def test_constant_variable_is_an_error(panel, gal_graph):
    data = panel.data.reset_index()
    data["flat"] = 2.0
    flat = so.SpatialPanel(data, panel.geometry.reset_index(), id="state", time="year")
    with pytest.raises(SpilloverError, match="constant in period 1970"):
        sesda.moran_by_period(flat, "flat", gal_graph)
    with pytest.raises(SpilloverError, match="no variance"):
        sesda.geary_by_period(flat, "flat", gal_graph)


def test_mismatched_weights_and_bad_options(panel, gal_graph):
    g = Graph.build_contiguity(panel.geometry.drop(index="Texas"), rook=False)
    with pytest.raises(WeightsError, match="Texas"):
        sesda.moran_by_period(panel, "ln_gsp", g)
    with pytest.raises(SpilloverError, match="'transform' needs to be one of"):
        sesda.moran_by_period(panel, "ln_gsp", gal_graph, transform="row")  # type: ignore[arg-type]
    with pytest.raises(SpilloverError, match="permutations"):
        sesda.moran_by_period(panel, "ln_gsp", gal_graph, permutations=-1)
    with pytest.raises(PanelError, match="period 2020"):
        sesda.local_moran(panel, "ln_gsp", gal_graph, period=2020)
    with pytest.raises(PanelError, match="'gdp' is not in the panel"):
        sesda.moran_by_period(panel, "gdp", gal_graph)
    with pytest.raises(SpilloverError, match="alpha"):
        sesda.local_moran(panel, "ln_gsp", gal_graph, period=1970, alpha=5)
    data = panel.data.reset_index()
    data["label"] = np.where(data["state"] == "Ohio", "n/a", "1.0")
    texty = so.SpatialPanel(data, panel.geometry.reset_index(), id="state", time="year")
    with pytest.raises(PanelError, match="'label' is not numeric.*Ohio"):
        sesda.moran_by_period(texty, "label", gal_graph)


def test_integer_ids_and_islands():
    """Integer region ids; an island (no neighbours) is kept with a zero row, as esda does."""
    from shapely.geometry import box

    ids = [30, 10, 20, 40, 50]
    geo = gpd.GeoDataFrame({"r": ids}, geometry=[box(i, 0, i + 1, 1) for i in range(4)] + [box(9, 9, 10, 10)])
    rows = [(r, t, float(v)) for t in (1, 2) for r, v in zip(ids, [1, 2, 4, 8, 3 + t])]
    p = so.SpatialPanel(pd.DataFrame(rows, columns=["r", "t", "y"]), geo, id="r", time="t")
    w = Graph.build_contiguity(geo.set_index("r"), rook=True)
    table = sesda.moran_by_period(p, "y", w, permutations=0)
    wm = np.zeros((5, 5))
    for i in range(3):
        wm[i, i + 1] = wm[i + 1, i] = 1.0
    wm[:4] /= wm[:4].sum(axis=1, keepdims=True)
    for t in (1, 2):
        ref = _cliff_ord_moran(p.matrix("y")[t].to_numpy(), wm)
        assert table.loc[t, "I"] == pytest.approx(ref["I"], abs=TOL)
        assert table.loc[t, "var_rand"] == pytest.approx(ref["var_rand"], abs=TOL)


def test_several_variables_in_one_table(panel, gal_graph):
    both = sesda.moran_by_period(panel, ["ln_gsp", "unemp"], gal_graph, permutations=19, seed=2)
    assert both.index.names == ["variable", "year"] and len(both) == 2 * panel.n_periods
    alone = sesda.moran_by_period(panel, "unemp", gal_graph, permutations=19, seed=2)
    pd.testing.assert_frame_equal(both.loc["unemp"], alone, check_exact=True)
    with pytest.raises(SpilloverError, match="distinct"):
        sesda.moran_by_period(panel, ["unemp", "unemp"], gal_graph)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.floats(min_value=-100, max_value=100, allow_nan=False), min_size=48, max_size=48).filter(
        lambda v: np.ptp(v) > 1e-3
    ),
    st.floats(min_value=0.01, max_value=100),
    st.floats(min_value=-100, max_value=100),
)
def test_moran_is_invariant_to_affine_changes_of_units(panel, gal_graph, values, factor, offset):
    sub = panel.subset(periods=[1970])
    v2 = np.multiply(values, factor) + offset
    y = pd.DataFrame({"state": panel.ids, "year": 1970, "v": values, "v2": v2})
    p = sub.with_data(y.set_index(["state", "year"]))
    table = sesda.moran_by_period(p, ["v", "v2"], gal_graph, permutations=0)
    analytic = table.columns[:8]  # all but p_sim (no permutations here)
    np.testing.assert_allclose(
        table.loc["v", analytic].to_numpy(dtype=float),
        table.loc["v2", analytic].to_numpy(dtype=float),
        rtol=1e-7,
        atol=1e-9,
    )


# ---------------------------------------------------------------------- China: dense distance weights
@pytest.fixture(scope="module")
def china_panel() -> so.SpatialPanel:
    """31 provinces x 3 years of a synthetic, seeded variable with a north-south gradient."""
    prov = so.datasets.china_provinces()
    rng = np.random.default_rng(2024)
    rows = [
        (p, year, lat / 10 + 0.1 * (year - 2019) + rng.normal(scale=0.5))
        for p, lat in zip(prov["province"], prov["capital_lat"])
        for year in (2019, 2020, 2021)
    ]
    data = pd.DataFrame(rows, columns=["province", "year", "y"]).sample(frac=1.0, random_state=0)
    return so.SpatialPanel(data, prov, id="province", time="year")


def test_china_inverse_distance_weights_match_cliff_ord(china_panel):
    """Dense, non-binary, row-standardised (hence asymmetric) weights exercise S1 and S2 fully."""
    w = so.weights.distance(china_panel, power=1, coords="capital")
    wm = so.weights.to_sparse(w, china_panel.ids).toarray()
    wm = wm / wm.sum(axis=1, keepdims=True)
    moran = sesda.moran_by_period(china_panel, "y", w, permutations=99, seed=0)
    geary = sesda.geary_by_period(china_panel, "y", w, permutations=0)
    for year in china_panel.periods:
        y = china_panel.matrix("y")[year].to_numpy()
        for col, val in _cliff_ord_moran(y, wm).items():
            assert moran.loc[year, col] == pytest.approx(val, abs=TOL, rel=TOL), (year, col)
        for col, val in _cliff_ord_geary(y, wm).items():
            assert geary.loc[year, col] == pytest.approx(val, abs=TOL, rel=TOL), (year, col)
    assert (moran["I"] > 0).all()  # the gradient is there by construction


def test_china_lisa_with_attached_island(china_panel, tmp_path):
    import matplotlib.pyplot as plt

    w = so.weights.contiguity(china_panel, kind="queen", islands="nearest")  # Hainan linked to its nearest
    lisa = sesda.local_moran(china_panel, "y", w, period=2021, permutations=199, seed=1, alpha=0.1)
    frame = lisa.to_frame()
    assert frame.index.equals(china_panel.ids) and frame.loc["Hainan", "lag_z"] != 0
    ax = maps.lisa_map(lisa, title="synthetic y, 2021").axes[0]
    ax.figure.savefig(tmp_path / "china_lisa.png")
    plt.close("all")


def test_too_few_regions_or_no_links():
    from shapely.geometry import box

    geo = gpd.GeoDataFrame({"r": ["a", "b", "c"]}, geometry=[box(i, 0, i + 1, 1) for i in range(3)])
    rows = pd.DataFrame({"r": ["a", "b", "c"], "t": 1, "y": [1.0, 2.0, 4.0]})
    small = so.SpatialPanel(rows, geo, id="r", time="t")
    w = Graph.build_contiguity(geo.set_index("r"), rook=True)
    with pytest.raises(SpilloverError, match="at least 4 regions"):
        sesda.moran_by_period(small, "y", w)
    empty = pd.DataFrame(0.0, index=list("abc"), columns=list("abc"))
    with pytest.raises(WeightsError, match="no links"):
        sesda.local_moran(small, "y", empty, period=1)


def test_local_moran_island_is_never_significant():
    """An island's I_i is 0 in every permutation; esda's folded count would give it p = 1 / (P + 1)."""
    from shapely.geometry import box

    ids = [30, 10, 20, 40, 50, 60]
    geo = gpd.GeoDataFrame({"r": ids}, geometry=[box(i, 0, i + 1, 1) for i in range(5)] + [box(9, 9, 10, 10)])
    rows = pd.DataFrame({"r": ids, "t": 1, "y": [1.0, 2, 4, 8, 3, 5]})
    p = so.SpatialPanel(rows, geo, id="r", time="t")
    w = Graph.build_contiguity(geo.set_index("r"), rook=True)
    assert w.isolates.tolist() == [60]
    frame = sesda.local_moran(p, "y", w, period=1, permutations=99, seed=0).to_frame()
    assert np.isnan(frame.loc[60, "p_sim"]) and frame.loc[60, "cluster"] == "Not significant"
    assert frame.loc[60, "Ii"] == 0 and frame.drop(index=60)["p_sim"].notna().all()
