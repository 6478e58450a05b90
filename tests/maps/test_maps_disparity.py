"""spillover.maps figures of spillover.disparity: what each draws is the result's numbers, read back from the
artists (bar heights and bottoms, line data, band vertices, heat-map cells and annotations, 3-D facets).

Provenance: the expected numbers are the results' own frames (their values are checked against independent
computations in tests/disparity/), and where a figure adds a number of its own it is recomputed here
independently: the sigma trend lines by ``numpy.polyfit`` of the dispersion on the years, the beta scatter by
numpy logs and differences of the panel, its absolute fitted line by ``numpy.polyfit`` (pooled OLS), the 3-D
facet colours by averaging each facet's four corner densities.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import spillover as so
from spillover import disparity, maps
from spillover.errors import FewClustersWarning, MapWarning, SmallSampleBiasWarning, SpilloverError
from spillover.maps._disparity import surface_data

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------------------------- data
def small_panel(
    groups=("a", "b", "c"), periods: int = 4, per_group: int = 5, seed: int = 3
) -> so.SpatialPanel:
    """Regions on a 1-row strip, ``per_group`` per group (data column ``grp``), a positive trending variable."""
    rng = np.random.default_rng(seed)
    n = per_group * len(groups)
    ids = [f"r{i:02d}" for i in range(n)]
    geo = gpd.GeoDataFrame(
        {"id": ids}, geometry=[box(i % 5, i // 5, i % 5 + 1, i // 5 + 1) for i in range(n)]
    )
    level = np.exp(rng.normal(size=(n, 1)) + rng.normal(scale=0.2, size=(n, periods)).cumsum(axis=1))
    data = pd.DataFrame(
        {
            "id": np.repeat(ids, periods),
            "year": np.tile(np.arange(2001, 2001 + periods), n),
            "y": level.ravel(),
            "grp": np.repeat([groups[i % len(groups)] for i in range(n)], periods),
        }
    )
    return so.SpatialPanel(data, geo, id="id", time="year")


@pytest.fixture(scope="module")
def small():
    return small_panel()


@pytest.fixture(scope="module")
def china():
    return so.datasets.china_simulated()


@pytest.fixture(scope="module")
def china_w(china):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return so.weights.contiguity(china, kind="queen", islands="nearest")


@pytest.fixture(scope="module")
def china_dagum(china):
    with pytest.warns(SmallSampleBiasWarning, match="Northeast"):  # 3 provinces: intervals unreliable
        return disparity.dagum_gini(china, "gdp_pc", "region4", draws=49, seed=0)


def _bars(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def _line(ax, gid):
    found = [ln for ln in ax.lines if ln.get_gid() == gid]
    assert len(found) == 1, f"expected one line {gid!r}, found {len(found)}"
    return found[0]


def _band_limits(ax, gid, x):
    """Lowest and highest y of the band ``gid`` at each x (fill_between's polygon runs along both edges)."""
    (band,) = [c for c in ax.collections if c.get_gid() == gid]
    verts = np.vstack([p.vertices for p in band.get_paths()])
    lo = np.array([verts[np.isclose(verts[:, 0], v), 1].min() for v in x])
    hi = np.array([verts[np.isclose(verts[:, 0], v), 1].max() for v in x])
    return lo, hi


# ---------------------------------------------------------------------------------------------- Dagum
@pytest.mark.parametrize("absolute", [False, True])
def test_dagum_contributions_stack_the_result(china_dagum, absolute):
    fig = maps.dagum_plot(china_dagum, absolute=absolute)
    ax = fig.axes[0]
    frame = china_dagum.to_frame()
    cols = ["G_w", "G_nb", "G_t"] if absolute else ["share_w", "share_nb", "share_t"]
    bottom = np.zeros(len(frame))
    for col in cols:
        bars = _bars(ax, col)
        assert [b.get_x() + b.get_width() / 2 for b in bars] == pytest.approx(frame.index.to_numpy(float))
        np.testing.assert_allclose([b.get_height() for b in bars], frame[col], rtol=1e-12)
        np.testing.assert_allclose([b.get_y() for b in bars], bottom, atol=1e-12)
        bottom = bottom + frame[col].to_numpy()
    # the stack reaches G (absolute) or 1 (shares): G = G_w + G_nb + G_t
    np.testing.assert_allclose(bottom, frame["G"] if absolute else 1.0, rtol=1e-10)
    if absolute:
        np.testing.assert_allclose(_line(ax, "G").get_ydata(), frame["G"])
        iv = china_dagum.intervals.xs("G", level="statistic")
        lo, hi = _band_limits(ax, "band[G]", frame.index.to_numpy(float))
        np.testing.assert_allclose(lo, iv["ci_lower"])
        np.testing.assert_allclose(hi, iv["ci_upper"])
    shown = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"within groups (G_w)", "net between groups (G_nb)", "transvariation (G_t)"} <= shown


@pytest.mark.parametrize(("kind", "prefix"), [("within", "G_jj"), ("between", "G_jh")])
def test_dagum_lines_and_bands(china_dagum, kind, prefix):
    fig = maps.dagum_plot(china_dagum, kind)
    ax = fig.axes[0]
    frame = china_dagum.within if kind == "within" else china_dagum.between
    assert [ln.get_gid() for ln in ax.lines] == [f"{prefix}[{c}]" for c in frame.columns]
    x = frame.index.to_numpy(float)
    for col in frame.columns:
        line = _line(ax, f"{prefix}[{col}]")
        np.testing.assert_allclose(line.get_xdata(), x)
        np.testing.assert_allclose(line.get_ydata(), frame[col])
        iv = china_dagum.intervals.xs(f"{prefix}[{col}]", level="statistic")
        lo, hi = _band_limits(ax, f"band[{prefix}[{col}]]", x)
        np.testing.assert_allclose(lo, iv["ci_lower"])
        np.testing.assert_allclose(hi, iv["ci_upper"])
    assert "49 draws" in ax.get_title()


def test_dagum_without_draws_has_no_bands_and_draws_on_given_axes(small):
    res = disparity.dagum_gini(small, "y", "grp")  # groups of 5 regions, no draws: no warning
    fig, ax = plt.subplots()
    before = plt.get_fignums()
    out = maps.dagum_plot(res, "between", ax=ax)
    assert out is fig and plt.get_fignums() == before  # no new figure
    assert not [c for c in ax.collections if str(c.get_gid()).startswith("band")]
    assert [ln.get_gid() for ln in ax.lines] == ["G_jh[a-b]", "G_jh[a-c]", "G_jh[b-c]"]
    np.testing.assert_allclose(_line(ax, "G_jh[a-c]").get_ydata(), res.between["a-c"])


def test_chinese_group_names_get_the_cjk_font():
    res = disparity.dagum_gini(small_panel(groups=("东部", "中部", "西部")), "y", "grp")
    font = maps.cjk_font()
    if font is None:
        with pytest.warns(MapWarning, match="Chinese"):
            fig = maps.dagum_plot(res, "within")
    else:
        fig = maps.dagum_plot(res, "within")
        texts = [t for t in fig.legends[0].get_texts() if t.get_text() == "东部"]
        assert texts and font in texts[0].get_fontfamily()


# ---------------------------------------------------------------------------------------------- Theil
def test_theil_stacks_within_and_between(china):
    res = disparity.theil(china, "gdp_pc", "region4")
    frame = res.to_frame()
    fig = maps.theil_plot(res)
    assert len(fig.axes) == 2
    for ax, name in zip(fig.axes, ["T", "L"]):
        within, between = _bars(ax, f"{name}_within"), _bars(ax, f"{name}_between")
        np.testing.assert_allclose([b.get_height() for b in within], frame[f"{name}_within"])
        np.testing.assert_allclose([b.get_height() for b in between], frame[f"{name}_between"])
        tops = [b.get_y() + b.get_height() for b in between]
        np.testing.assert_allclose(tops, frame[name], rtol=1e-10)  # T = T_within + T_between
        np.testing.assert_allclose(_line(ax, name).get_ydata(), frame[name])
    assert len(fig.legends) == 1 and len(fig.legends[0].get_texts()) == 3  # each entry once
    shares = maps.theil_plot(res, "L", shares=True)
    ax = shares.axes[0]
    np.testing.assert_allclose(
        [b.get_height() for b in _bars(ax, "L_share_between")], frame["L_share_between"]
    )
    tops = [b.get_y() + b.get_height() for b in _bars(ax, "L_share_between")]
    np.testing.assert_allclose(tops, 1.0)


def test_theil_on_given_axes(small):
    res = disparity.theil(small, "y", "grp")
    fig, ax = plt.subplots()
    assert maps.theil_plot(res, "T", ax=ax) is fig
    with pytest.raises(SpilloverError, match='index="T" or "L"'):
        maps.theil_plot(res, ax=ax)


# ---------------------------------------------------------------------------------------------- KDE
def test_density_curves_are_the_densities(china):
    res = disparity.kernel_density(china, "gdp_pc", periods=[2003, 2010, 2021], relative=True)
    fig = maps.density_plot(res)
    ax = fig.axes[0]
    assert [ln.get_gid() for ln in ax.lines] == ["density[2003]", "density[2010]", "density[2021]"]
    for period in res.densities.columns:
        line = _line(ax, f"density[{period}]")
        np.testing.assert_allclose(line.get_xdata(), res.grid)
        np.testing.assert_allclose(line.get_ydata(), res.densities[period])
    colors = [ln.get_color() for ln in ax.lines]
    assert len(set(map(str, colors))) == 3  # one colour per period, along the colormap
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["2003", "2010", "2021"]
    assert "period mean" in ax.get_xlabel()


def test_density_many_periods_get_a_colorbar_and_a_subset(china):
    res = disparity.kernel_density(china, "gdp_pc")
    fig = maps.density_plot(res)
    assert len(fig.axes) == 2 and not fig.legends  # 19 periods: a colorbar, no legend
    sub = maps.density_plot(res, periods=[2005, 2015])
    assert len(sub.axes[0].lines) == 2
    with pytest.raises(SpilloverError, match="1999"):
        maps.density_plot(res, periods=[1999])


def test_density_surface_facets_are_the_densities(small):
    res = disparity.kernel_density(small, "y", points=40)
    fig = maps.density_plot(res, "surface")
    ax = fig.axes[0]
    assert ax.name == "3d"
    (surf,) = [c for c in ax.collections if c.get_gid() == "surface"]
    z = res.densities.to_numpy().T  # periods x values; 40 points: every point is drawn
    grid, drawn = surface_data(res.grid, res.densities)
    np.testing.assert_array_equal(grid, res.grid)
    np.testing.assert_array_equal(drawn, z)
    facets = (z[:-1, :-1] + z[1:, :-1] + z[:-1, 1:] + z[1:, 1:]) / 4  # each facet's mean corner density
    np.testing.assert_allclose(np.asarray(surf.get_array()), facets.ravel(), rtol=1e-12)
    # the China panel's 512-point grid is thinned to at most 160 columns for the surface
    big = disparity.kernel_density(so.datasets.china_simulated(), "gdp_pc")
    grid, drawn = surface_data(big.grid, big.densities)
    assert len(grid) <= 160 and drawn.shape == (19, len(grid)) and grid[0] == big.grid[0]
    _fig2, flat = plt.subplots()
    with pytest.raises(SpilloverError, match="3-D axes"):
        maps.density_plot(res, "surface", ax=flat)
    fig3 = plt.figure()
    ax3 = fig3.add_subplot(projection="3d")
    assert maps.density_plot(res, "surface", ax=ax3) is fig3


# ---------------------------------------------------------------------------------------------- Markov
def _annotations(ax, gid):
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def test_markov_heatmap_annotates_the_matrix(china):
    res = disparity.markov(china, "gdp_pc", k=4)
    fig = maps.markov_heatmap(res, counts=True)
    ax = fig.axes[0]
    expected = [f"{v:.2f}" for v in res.matrix.to_numpy().ravel()]  # row-major, rounded to 2 decimals
    assert _annotations(ax, "probability") == expected
    assert _annotations(ax, "count") == [f"({v})" for v in res.counts.to_numpy().ravel()]
    (image,) = [im for im in ax.images if im.get_gid() == "matrix"]
    np.testing.assert_allclose(np.asarray(image.get_array()), res.matrix.to_numpy())
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == [f"{c} (n={n})" for c, n in zip(res.classes, res.counts.sum(axis=1))]
    three = maps.markov_heatmap(res, digits=3).axes[0]
    assert _annotations(three, "probability")[1] == f"{res.matrix.iloc[0, 1]:.3f}"
    assert not _annotations(three, "count")


def test_spatial_markov_one_panel_per_lag_class(china, china_w):
    res = disparity.spatial_markov(china, "gdp_pc", china_w, k=4)
    fig = maps.markov_heatmap(res)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == len(res.lag_classes) == 4
    for lag, ax in zip(res.lag_classes, panels):
        cond = res.conditional.loc[lag]
        n = res.conditional_counts.loc[lag].to_numpy()
        shown = [f"{v:.2f}" for row, total in zip(cond.to_numpy(), n.sum(axis=1)) if total for v in row]
        assert _annotations(ax, "probability") == shown
        assert ax.get_title() == f"lag class {lag} (n = {n.sum()})"
    with pytest.raises(SpilloverError, match="one panel per lag class"):
        maps.markov_heatmap(res, ax=panels[0])


def test_lisa_markov_quadrants(china, china_w):
    res = disparity.lisa_markov(china, "gdp_pc", china_w)
    ax = maps.markov_heatmap(res).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(res.classes)
    assert _annotations(ax, "probability") == [f"{v:.2f}" for v in res.matrix.to_numpy().ravel()]
    assert "LISA Markov" in ax.get_title()


def test_empty_rows_stay_blank():
    """A class never left from (no transitions out) is a blank row, not a row of zeros."""
    res = disparity.markov(small_panel(periods=2), "y", cutoffs=[0.5, 1.0, 1e6])  # nothing above 1e6
    assert res.counts.iloc[3].sum() == 0
    ax = maps.markov_heatmap(res).axes[0]
    assert len(_annotations(ax, "probability")) == 12


# ---------------------------------------------------------------------------------------------- convergence
def test_sigma_lines_and_trends(china):
    res = disparity.convergence(china, "gdp_pc", kind="sigma")
    ax = maps.convergence_plot(res).axes[0]
    years = res.dispersion.index.to_numpy(float)
    for col in ("cv", "sd_log"):
        np.testing.assert_allclose(_line(ax, col).get_ydata(), res.dispersion[col])
        slope, intercept = np.polyfit(years, res.dispersion[col].to_numpy(), 1)  # independent OLS
        trend = _line(ax, f"{col}_trend")
        np.testing.assert_allclose(trend.get_ydata(), intercept + slope * years, rtol=1e-9)
        assert slope == pytest.approx(res.to_frame().loc[f"{col}_trend", "estimate"], rel=1e-9)


def test_beta_scatter_and_fitted_line(china):
    res = disparity.convergence(china, "gdp_pc", kind="beta")
    ax = maps.convergence_plot(res, china).axes[0]
    ln = np.log(china.matrix("gdp_pc").to_numpy())  # regions x years
    initial, growth = ln[:, :-1].ravel(), np.diff(ln, axis=1).ravel()
    (points,) = [c for c in ax.collections if c.get_gid() == "observations"]
    shown = np.asarray(points.get_offsets())
    order = np.lexsort((shown[:, 1], shown[:, 0]))
    expected = np.lexsort((growth, initial))
    np.testing.assert_allclose(shown[order], np.column_stack([initial, growth])[expected], rtol=1e-12)
    slope, intercept = np.polyfit(initial, growth, 1)  # pooled OLS: the absolute beta
    fit = _line(ax, "fit")
    x, y = np.asarray(fit.get_xdata()), np.asarray(fit.get_ydata())
    np.testing.assert_allclose(y, intercept + slope * x, rtol=1e-8)
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(res.beta, rel=1e-8)


def test_conditional_beta_line_through_the_means(small):
    with pytest.warns(FewClustersWarning):  # 15 regions: the result says so; the figure does not care
        res = disparity.convergence(small, "y", kind="beta", fixed_effects="twoway")
    ax = maps.convergence_plot(res, small).axes[0]
    pts = np.asarray(next(c for c in ax.collections if c.get_gid() == "observations").get_offsets())
    x, y = (np.asarray(a) for a in (_line(ax, "fit").get_xdata(), _line(ax, "fit").get_ydata()))
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(res.beta, rel=1e-8)
    assert np.interp(pts[:, 0].mean(), x, y) == pytest.approx(pts[:, 1].mean(), abs=1e-12)
    with pytest.raises(SpilloverError, match="pass the panel"):
        maps.convergence_plot(res)
    with pytest.raises(SpilloverError, match="regions"):
        maps.convergence_plot(res, so.datasets.china_simulated())


# ---------------------------------------------------------------------------------------------- errors, closing
def test_wrong_result_types_and_options(small):
    theil = disparity.theil(small, "y", "grp")
    dagum = disparity.dagum_gini(small, "y", "grp")
    with pytest.raises(SpilloverError, match=r"dagum_plot draws a DagumResult .*got TheilResult"):
        maps.dagum_plot(theil)
    with pytest.raises(SpilloverError, match="theil_plot draws a TheilResult"):
        maps.theil_plot(dagum)
    with pytest.raises(SpilloverError, match="density_plot draws a KernelDensityResult"):
        maps.density_plot(dagum)
    with pytest.raises(SpilloverError, match="markov_heatmap draws a MarkovResult or SpatialMarkovResult"):
        maps.markov_heatmap(pd.DataFrame())
    with pytest.raises(SpilloverError, match="convergence_plot draws a ConvergenceResults"):
        maps.convergence_plot(dagum)
    with pytest.raises(SpilloverError, match="kind"):
        maps.dagum_plot(dagum, "pairs")
    with pytest.raises(SpilloverError, match="kind"):
        maps.density_plot(disparity.kernel_density(small, "y"), "ridges")


def test_figures_close_cleanly_and_save(small, tmp_path):
    before = set(plt.get_fignums())
    figs = [
        maps.dagum_plot(disparity.dagum_gini(small, "y", "grp")),
        maps.theil_plot(disparity.theil(small, "y", "grp")),
        maps.density_plot(disparity.kernel_density(small, "y"), "surface"),
        maps.markov_heatmap(disparity.markov(small, "y", k=3)),
        maps.convergence_plot(disparity.convergence(small, "y", kind="sigma")),
    ]
    assert len(set(plt.get_fignums()) - before) == len(figs)  # one figure each
    for i, fig in enumerate(figs):
        path = maps.save(fig, tmp_path / f"f{i}.png", dpi=60)
        assert path.stat().st_size > 1000
        plt.close(fig)
    assert set(plt.get_fignums()) == before
