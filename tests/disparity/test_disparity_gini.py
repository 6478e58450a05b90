"""Dagum's Gini decomposition against the textbook double sums (Dagum 1997), written out here as plain
Python loops over every pair of regions."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spillover.disparity import dagum_gini
from spillover.errors import PanelError, SpilloverError
from spillover.panel import SpatialPanel

GROUPS = ["East", "Central", "West", "Northeast"]


def make_panel(n: int = 23, periods: int = 3, seed: int = 0, with_nan: bool = False) -> SpatialPanel:
    """Small random panel with many ties (integer values 1..6), populations, a geometry group column
    ``region4`` and a data group column ``grp``."""
    rng = np.random.default_rng(seed)
    ids = [f"r{i:02d}" for i in range(n)]
    region4 = [GROUPS[i % 4] for i in range(n)]
    geo = gpd.GeoDataFrame({"id": ids, "region4": region4}, geometry=[box(i, 0, i + 1, 1) for i in range(n)])
    y = rng.integers(1, 7, n * periods).astype(float)
    if with_nan:
        y[5] = np.nan
    data = pd.DataFrame(
        {
            "id": np.repeat(ids, periods),
            "year": np.tile(np.arange(2000, 2000 + periods), n),
            "y": y,
            "pop": rng.integers(1, 4, n * periods).astype(float),
            "grp": np.repeat([("a", "b", "c")[i % 3] for i in range(n)], periods),
        }
    )
    return SpatialPanel(data, geo, id="id", time="year")


def textbook(y: np.ndarray, g: np.ndarray, w: np.ndarray, groups: list) -> dict:
    """Dagum (1997) with observation weights ``w`` (all 1: the unweighted formulas), by double loops."""
    n_tot, mu = w.sum(), (w * y).sum() / w.sum()
    idx = {j: [i for i in range(len(y)) if g[i] == j] for j in groups}
    nj = {j: sum(w[i] for i in idx[j]) for j in groups}
    muj = {j: sum(w[i] * y[i] for i in idx[j]) / nj[j] for j in groups}
    total = sum(w[i] * w[r] * abs(y[i] - y[r]) for i in range(len(y)) for r in range(len(y)))
    out = {"G": total / (2 * n_tot**2 * mu)}
    gjj = {}
    for j in groups:
        s = sum(w[i] * w[r] * abs(y[i] - y[r]) for i in idx[j] for r in idx[j])
        gjj[j] = s / (2 * nj[j] ** 2 * muj[j])
    p = {j: nj[j] / n_tot for j in groups}
    s_ = {j: nj[j] * muj[j] / (n_tot * mu) for j in groups}
    out["G_w"] = sum(gjj[j] * p[j] * s_[j] for j in groups)
    g_nb = g_t = 0.0
    gjh, djh = {}, {}
    for a in range(len(groups)):
        for b in range(a + 1, len(groups)):
            j, h = groups[a], groups[b]
            if muj[j] < muj[h]:  # Dagum ranks the pair by mean: j the richer group
                j, h = h, j
            pairs = [(i, r) for i in idx[j] for r in idx[h]]
            s = sum(w[i] * w[r] * abs(y[i] - y[r]) for i, r in pairs)
            d_jh = sum(w[i] * w[r] * (y[i] - y[r]) for i, r in pairs if y[i] > y[r]) / (nj[j] * nj[h])
            p_jh = sum(w[i] * w[r] * (y[r] - y[i]) for i, r in pairs if y[i] < y[r]) / (nj[j] * nj[h])
            key = f"{groups[a]}-{groups[b]}"
            gjh[key] = s / (nj[j] * nj[h] * (muj[j] + muj[h]))
            djh[key] = (d_jh - p_jh) / (d_jh + p_jh) if d_jh + p_jh else 0.0
            weight = gjh[key] * (p[j] * s_[h] + p[h] * s_[j])
            g_nb += weight * djh[key]
            g_t += weight * (1 - djh[key])
    out.update(G_nb=g_nb, G_t=g_t, G_jj=gjj, G_jh=gjh, D_jh=djh)
    return out


@pytest.mark.parametrize("weights", [None, "pop"])
@pytest.mark.parametrize("by", ["region4", "grp"])
def test_matches_textbook_double_sums(weights: str | None, by: str) -> None:
    panel = make_panel()
    res = dagum_gini(panel, "y", by, weights=weights)
    data = panel.data
    for period in panel.periods:
        cs = data.xs(period, level="year")
        g = (panel.geometry["region4"] if by == "region4" else cs["grp"]).reindex(panel.ids).to_numpy()
        w = np.ones(len(cs)) if weights is None else cs["pop"].to_numpy()
        expected = textbook(cs["y"].to_numpy(), g, w, list(res.groups))  # the double sums above
        row = res.to_frame().loc[period]
        for name in ("G", "G_w", "G_nb", "G_t"):
            assert row[name] == pytest.approx(expected[name], abs=1e-12)
        for j in res.groups:
            assert res.within.loc[period, j] == pytest.approx(expected["G_jj"][j], abs=1e-12)
        for pair in res.pairs:
            assert res.between.loc[period, pair] == pytest.approx(expected["G_jh"][pair], abs=1e-12)
            assert res.relative.loc[period, pair] == pytest.approx(expected["D_jh"][pair], abs=1e-12)


def test_components_add_up_and_shares() -> None:
    res = dagum_gini(make_panel(n=40, seed=3), "y", "region4").to_frame()
    # identity of the decomposition (Dagum 1997, eq. 4)
    np.testing.assert_allclose(res["G_w"] + res["G_nb"] + res["G_t"], res["G"], rtol=0, atol=1e-14)
    np.testing.assert_allclose(res[["share_w", "share_nb", "share_t"]].sum(axis=1), 1.0, atol=1e-14)
    np.testing.assert_allclose(res["share_w"], res["G_w"] / res["G"], atol=1e-15)


def test_region4_display_order_and_pairs() -> None:
    res = dagum_gini(make_panel(), "y", "region4")
    assert res.groups == ("East", "Central", "West", "Northeast")
    assert res.pairs[0] == "East-Central" and len(res.pairs) == 6


def test_scale_invariance() -> None:
    panel = make_panel(seed=5)
    scaled = panel.with_data(panel.data[["y"]].rename(columns={"y": "y10"}) * 10.0)
    a, b = dagum_gini(scaled, "y", "region4"), dagum_gini(scaled, "y10", "region4")
    # the Gini is homogeneous of degree 0 in the values
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), atol=1e-14, rtol=0)
    pd.testing.assert_frame_equal(a.between, b.between, atol=1e-14, rtol=0)


def test_equal_values_give_zero() -> None:
    panel = make_panel()
    flat = panel.with_data(pd.Series(3.0, index=panel.data.index, name="flat"))
    res = dagum_gini(flat, "flat", "region4")
    assert np.allclose(res.to_frame()[["G", "G_w", "G_nb", "G_t"]], 0.0)  # no differences at all


def test_bootstrap_seeded_and_covering() -> None:
    panel = make_panel(n=40)
    a = dagum_gini(panel, "y", "region4", draws=200, seed=7)
    b = dagum_gini(panel, "y", "region4", draws=200, seed=7)
    c = dagum_gini(panel, "y", "region4", draws=200, seed=8)
    pd.testing.assert_frame_equal(a.intervals, b.intervals)  # same seed, same draws
    assert not a.intervals.equals(c.intervals)
    iv = a.intervals
    assert list(iv.columns) == ["estimate", "std_error", "ci_lower", "ci_upper"]
    assert (iv["ci_lower"] <= iv["ci_upper"]).all() and (iv["std_error"] > 0).all()
    # point estimates in the interval table are the decomposition's own numbers
    assert iv.loc[(2000, "G"), "estimate"] == a.to_frame().loc[2000, "G"]
    assert dagum_gini(panel, "y", "region4").intervals is None
    assert "Bootstrap" in str(a.summary())


def test_bootstrap_draw_is_a_resample() -> None:
    """One bootstrap draw equals the decomposition of the resampled regions (within groups), computed by the
    textbook double sums: the count-weighted sums are the resample's sums."""
    from spillover.disparity._gini import _period

    rng = np.random.default_rng(0)
    y = rng.integers(1, 5, 12).astype(float)
    codes = np.array([0, 1, 2] * 4)
    _, boot = _period(y, np.ones(12), codes, 3, 2, np.random.default_rng(11))
    assert boot is not None
    # replay the draws: the same generator calls on the sorted order
    order = np.argsort(y, kind="stable")
    ys, cs = y[order], codes[order]
    gen = np.random.default_rng(11)
    members = [np.flatnonzero(cs == g) for g in range(3)]
    picks = [m[gen.integers(0, m.size, (2, m.size))] for m in members]
    for d in range(2):
        chosen = np.concatenate([p[d] for p in picks])
        expected = textbook(ys[chosen], cs[chosen], np.ones(chosen.size), [0, 1, 2])
        assert boot[d, 0] == pytest.approx(expected["G"], abs=1e-12)
        assert boot[d, 2] == pytest.approx(expected["G_nb"], abs=1e-12)


def test_errors() -> None:
    panel = make_panel()
    with pytest.raises(PanelError, match="'nope'"):
        dagum_gini(panel, "y", "nope")
    with pytest.raises(PanelError, match="missing value"):
        dagum_gini(make_panel(with_nan=True), "y", "region4")
    neg = panel.with_data(pd.Series(-1.0, index=panel.data.index, name="neg"))
    with pytest.raises(PanelError, match="non-negative"):
        dagum_gini(neg, "neg", "region4")
    with pytest.raises(SpilloverError, match="draws"):
        dagum_gini(panel, "y", "region4", draws=1)
    with pytest.raises(SpilloverError, match="seed"):
        dagum_gini(panel, "y", "region4", draws=10, seed=-1)


def test_group_with_zero_mean_is_named() -> None:
    panel = make_panel()
    data = panel.data
    east = panel.geometry["region4"].reindex(data.index.get_level_values("id")).to_numpy() == "East"
    zeroed = data["y"].where(~east, 0.0).rename("y0")
    with pytest.raises(PanelError, match="'East'"):
        dagum_gini(panel.with_data(zeroed), "y0", "region4")


def test_small_group_bootstrap_warns() -> None:
    """A group of fewer than 5 regions (23 regions in 4 groups by i % 4 have 6 or 5; 10 regions 3 or 2)
    warns that its bootstrap intervals are unreliable, naming the group and its size; no draws, no warning."""
    import warnings

    from spillover.errors import SmallSampleBiasWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallSampleBiasWarning)
        dagum_gini(make_panel(n=23), "y", "region4", draws=20, seed=0)  # groups of 6, 6, 6, 5: quiet
        dagum_gini(make_panel(n=10), "y", "region4")  # no draws: no interval, no warning
    # groups of 3, 3, 2, 2 regions; C(2n-1, n) distinct resamples: 10 for 3 regions, 3 for 2
    with pytest.warns(SmallSampleBiasWarning, match=r"'West' \(2 regions: 3 distinct resamples\)") as rec:
        dagum_gini(make_panel(n=10), "y", "region4", draws=20, seed=0)
    message = str(rec[0].message)
    assert "'East' (3 regions: 10 distinct resamples)" in message and "unreliable" in message
    assert rec[0].filename == __file__  # points at the caller's line (spillover.options.warn)
