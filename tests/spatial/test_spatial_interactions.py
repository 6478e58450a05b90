"""Interaction regressors ``"x:z"`` and the effects of x at given values of z (``impacts(at=...)``).

Expected numbers come from dense matrices written here: the product column by numpy least squares, the
effects by ``S(z) = (I - rho W)^-1 (b(z) I + t(z) W)`` averaged as LeSage and Pace (trace / N, sum / N).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.spatial import SpatialCrossSectionModel, SpatialPanelModel

N, T = 12, 6


def _panel(periods: int = T, seed: int = 0) -> tuple[SpatialPanel, Graph]:
    ids = [f"r{i:02d}" for i in range(N)]
    geo = gpd.GeoDataFrame({"r": ids}, geometry=[box(i % 4, i // 4, i % 4 + 1, i // 4 + 1) for i in range(N)])
    rng = np.random.default_rng(seed)
    df = pd.DataFrame([(r, t) for r in ids for t in range(periods)], columns=["r", "t"])
    df["x"] = rng.normal(size=len(df))
    df["z"] = 1 + rng.normal(size=len(df))
    df["u"] = rng.normal(size=len(df))
    df["y"] = 2 * df.x + 0.5 * df.z + df.x * df.z - df.u + rng.normal(size=len(df))
    panel = SpatialPanel(df, geo, id="r", time="t")
    w = Graph.build_contiguity(geo.set_index("r"), rook=False)  # binary: NOT row-standardised
    return panel, w


def _dense_effects(rho: float, b: float, t: float, w: np.ndarray, tau: float = 0.0) -> tuple[float, float]:
    """(direct, total) of S = ((1 - tau) I - rho W)^-1 (b I + t W), averaged as LeSage-Pace."""
    n = w.shape[0]
    s = np.linalg.solve((1 - tau) * np.eye(n) - rho * w, b * np.eye(n) + t * w)
    return float(np.trace(s) / n), float(s.sum() / n)


def _wdense(panel: SpatialPanel, w: Graph) -> np.ndarray:
    return w.sparse.toarray()[np.ix_(*[w.unique_ids.get_indexer(panel.ids)] * 2)]


def test_product_column_and_no_main_effects_added() -> None:
    panel, w = _panel()
    res = SpatialPanelModel(panel, "y", ["x:z"], w, kind="slx").fit()
    # main effects are not added: only the constant, the product and its lag
    assert list(res.params.index) == ["const", "x:z", "W*x:z"]
    # independent: OLS of y on [1, x*z, W(x*z)] by numpy least squares on the period-major stack
    x, z, y = (panel.stacked(v) for v in ("x", "z", "y"))
    wd = _wdense(panel, w)
    xz = x * z
    wxz = np.concatenate([wd @ xz[k * N : (k + 1) * N] for k in range(T)])
    beta, *_ = np.linalg.lstsq(np.column_stack([np.ones(N * T), xz, wxz]), y, rcond=None)
    np.testing.assert_allclose(res.params.to_numpy(), beta, atol=1e-10)


def test_main_effect_columns_of_z() -> None:
    panel, w = _panel()
    res = SpatialPanelModel(panel, "y", ["x", "z", "x:z"], w, kind="sdm", fixed_effects="unit").fit()
    assert list(res.params.index) == ["x", "z", "x:z", "W*x", "W*z", "W*x:z", "rho"]
    # z's coefficient near its true 0.5 and the interaction near 1 (the simulated model)
    assert abs(res.params["x:z"] - 1.0) < 0.2 and abs(res.params["z"] - 0.5) < 0.3


@pytest.mark.parametrize("value", [-1.0, 0.0, 2.5])
def test_effects_at_z_equal_dense_derivatives(value: float) -> None:
    """Non-row-standardised W and a subset of Durbin terms (W*x absent, W*x:z present)."""
    panel, w = _panel()
    res = SpatialPanelModel(
        panel, "y", ["x", "z", "x:z", "u"], w, kind="sdm", fixed_effects="unit", durbin=["x:z", "u"]
    ).fit()
    assert "W*x" not in res.params.index and "W*x:z" in res.params.index
    p = res.params
    wd = _wdense(panel, w)
    imp = res.impacts(draws=0, at={"z": value})
    mean_x = float(panel.stacked("x").mean())
    cases = {
        "x": (p["x"] + p["x:z"] * value, p["W*x:z"] * value),
        "z": (p["z"] + p["x:z"] * mean_x, p["W*x:z"] * mean_x),  # z's effect at the mean of x
        "u": (p["u"], p["W*u"]),
    }
    for var, (b, t) in cases.items():
        direct, total = _dense_effects(float(p["rho"]), b, t, wd)
        assert imp.loc[("direct", var), "estimate"] == pytest.approx(direct, abs=1e-8)
        assert imp.loc[("total", var), "estimate"] == pytest.approx(total, abs=1e-8)
        assert imp.loc[("indirect", var), "estimate"] == pytest.approx(total - direct, abs=1e-8)
    assert "x:z" not in imp.index.get_level_values("variable")


def test_default_is_the_mean_and_quantiles_give_blocks() -> None:
    panel, w = _panel()
    res = SpatialPanelModel(panel, "y", ["x", "z", "x:z"], w, kind="sar", fixed_effects="twoway").fit()
    mean_z = float(panel.stacked("z").mean())
    default = res.impacts(draws=0)
    at_mean = res.impacts(draws=0, at={"z": mean_z})
    pd.testing.assert_frame_equal(default, at_mean)
    assert default.attrs["at"][0]["z"] == pytest.approx(mean_z)
    blocks = res.impacts(draws=0, at={"z": "quantiles"})
    qs = np.quantile(panel.stacked("z"), [0.1, 0.25, 0.5, 0.75, 0.9])
    assert blocks.index.names == ["at", "effect", "variable"]
    assert [a["z"] for a in blocks.attrs["at"]] == pytest.approx(list(qs))
    wd = _wdense(panel, w)
    p = res.params
    for label, a in zip(blocks.index.get_level_values("at").unique(), blocks.attrs["at"]):
        direct, _ = _dense_effects(float(p["rho"]), p["x"] + p["x:z"] * a["z"], 0.0, wd)
        assert blocks.loc[(label, "direct", "x"), "estimate"] == pytest.approx(direct, abs=1e-8)
    listed = res.impacts(draws=0, at={"z": [0.0, 1.0]})
    assert len(listed.index.get_level_values("at").unique()) == 2


def test_simulated_intervals_use_the_draws() -> None:
    panel, w = _panel()
    res = SpatialPanelModel(panel, "y", ["x", "z", "x:z"], w, kind="sdm", fixed_effects="unit").fit()
    one = res.impacts(draws=200, seed=3, at={"z": 1.0})
    two = res.impacts(draws=200, seed=3, at={"z": 1.0})
    pd.testing.assert_frame_equal(one, two)
    se = one["std_error"]
    assert bool((se > 0).all()) and bool(np.isfinite(se).all())
    assert one.attrs["draws"] == 200
    # the effect of x grows with z (true interaction 1): the direct effect at z = 2 exceeds the one at z = -1
    lo = res.impacts(draws=0, at={"z": -1.0}).loc[("direct", "x"), "estimate"]
    hi = res.impacts(draws=0, at={"z": 2.0}).loc[("direct", "x"), "estimate"]
    assert hi - lo > 2.0
    assert "Direct" in str(res.summary(draws=50))


@pytest.mark.filterwarnings("ignore::spillover.errors.SmallSampleBiasWarning")
def test_dynamic_long_run_at_z() -> None:
    panel, w = _panel(periods=8)
    wr = w.transform("r")
    res = SpatialPanelModel(
        panel, "y", ["x", "z", "x:z"], wr, kind="sdm", fixed_effects="unit", dynamic=True
    ).fit()
    p = res.params
    wd = _wdense(panel, wr)
    tau = float(p["y(t-1)"])
    b, t = p["x"] + p["x:z"] * 0.5, p["W*x"] + p["W*x:z"] * 0.5
    for horizon, lag in (("short", 0.0), ("long", tau)):
        imp = res.impacts(draws=0, horizon=horizon, at={"z": 0.5})
        direct, total = _dense_effects(float(p["rho"]), b, t, wd, tau=lag)
        assert imp.loc[("direct", "x"), "estimate"] == pytest.approx(direct, abs=1e-8)
        assert imp.loc[("total", "x"), "estimate"] == pytest.approx(total, abs=1e-8)


def test_cross_section_interaction() -> None:
    panel, w = _panel()
    res = SpatialCrossSectionModel(panel, "y", ["x", "z", "x:z"], w, period=0, kind="sar").fit()
    p = res.params
    direct, total = _dense_effects(float(p["rho"]), p["x"] + p["x:z"] * 2.0, 0.0, _wdense(panel, w))
    imp = res.impacts(draws=0, at={"z": 2.0})
    assert imp.loc[("direct", "x"), "estimate"] == pytest.approx(direct, abs=1e-8)
    assert imp.loc[("total", "x"), "estimate"] == pytest.approx(total, abs=1e-8)


def test_refusals() -> None:
    panel, w = _panel()
    with pytest.raises(ModelError, match="'q'"):
        SpatialPanelModel(panel, "y", ["x", "x:q"], w)
    with pytest.raises(ModelError, match="two different columns"):
        SpatialPanelModel(panel, "y", ["x", "x:x"], w)
    with pytest.raises(ModelError, match="two different columns"):
        SpatialPanelModel(panel, "y", ["x", "x:z:u"], w)
    plain = SpatialPanelModel(panel, "y", ["x", "z"], w, kind="sar", fixed_effects="unit").fit()
    with pytest.raises(ModelError, match="has none"):
        plain.impacts(draws=0, at={"z": 1.0})
    res = SpatialPanelModel(panel, "y", ["x", "z", "x:z"], w, kind="sar", fixed_effects="unit").fit()
    with pytest.raises(ModelError, match="'u'"):
        res.impacts(draws=0, at={"u": 1.0})
    with pytest.raises(ModelError, match="quantiles"):
        res.impacts(draws=0, at={"z": "median"})


def test_lm_tests_take_interactions() -> None:
    """The same statistics as with the product stored as a column of the panel (independent: with_data)."""
    from spillover.spatial import lm_tests

    panel, w = _panel()
    data = panel.data
    stored = panel.with_data((data["x"] * data["z"]).rename("xz"))
    one = lm_tests(panel, "y", ["x", "z", "x:z"], w, fixed_effects="unit").to_frame()
    two = lm_tests(stored, "y", ["x", "z", "xz"], w, fixed_effects="unit").to_frame()
    np.testing.assert_allclose(one["statistic"].to_numpy(), two["statistic"].to_numpy(), rtol=1e-12)
