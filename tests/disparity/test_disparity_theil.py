"""Theil T and L and their within/between decomposition against the textbook formulas (Theil 1967; the
regional population-weighted form), written out here as loops over the regions."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spillover.disparity import theil
from spillover.errors import PanelError
from spillover.panel import SpatialPanel

GROUPS = ["East", "Central", "West", "Northeast"]


def make_panel(n: int = 23, periods: int = 3, seed: int = 0, with_nan: bool = False) -> SpatialPanel:
    """Small random panel with ties (values 1..6), populations, ``region4`` in the geometry, ``grp`` in the
    data."""
    rng = np.random.default_rng(seed)
    ids = [f"r{i:02d}" for i in range(n)]
    geo = gpd.GeoDataFrame(
        {"id": ids, "region4": [GROUPS[i % 4] for i in range(n)]},
        geometry=[box(i, 0, i + 1, 1) for i in range(n)],
    )
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


def textbook(y: list[float], pop: list[float] | None, g: list[str]) -> dict:
    """T = sum (Y_i/Y) ln((Y_i/Y)/(P_i/P)), L = sum (P_i/P) ln((P_i/P)/(Y_i/Y)) with Y_i = P_i y_i, and the
    group decomposition with the groups' income and population shares; P_i = 1 without populations."""
    P = pop if pop is not None else [1.0] * len(y)
    Y = [p * v for p, v in zip(P, y)]
    Yt, Pt = sum(Y), sum(P)
    out = {
        "T": sum(Yi / Yt * math.log((Yi / Yt) / (Pi / Pt)) for Yi, Pi in zip(Y, P)),
        "L": sum(Pi / Pt * math.log((Pi / Pt) / (Yi / Yt)) for Yi, Pi in zip(Y, P)),
    }
    tw = tb = lw = lb = 0.0
    for grp in sorted(set(g)):
        Yg = [Yi for Yi, gi in zip(Y, g) if gi == grp]
        Pg = [Pi for Pi, gi in zip(P, g) if gi == grp]
        yg, pg = sum(Yg), sum(Pg)
        t_g = sum(a / yg * math.log((a / yg) / (b / pg)) for a, b in zip(Yg, Pg))
        l_g = sum(b / pg * math.log((b / pg) / (a / yg)) for a, b in zip(Yg, Pg))
        tw += yg / Yt * t_g
        tb += yg / Yt * math.log((yg / Yt) / (pg / Pt))
        lw += pg / Pt * l_g
        lb += pg / Pt * math.log((pg / Pt) / (yg / Yt))
    mean = sum(y) / len(y)
    out.update(
        T_within=tw,
        T_between=tb,
        L_within=lw,
        L_between=lb,
        cv=math.sqrt(sum((v - mean) ** 2 for v in y) / len(y)) / mean,
        williamson=math.sqrt(sum(Pi / Pt * (v - Yt / Pt) ** 2 for v, Pi in zip(y, P))) / (Yt / Pt),
    )
    return out


@pytest.mark.parametrize("weights", [None, "pop"])
def test_matches_textbook(weights: str | None) -> None:
    panel = make_panel(n=25, seed=2)
    res = theil(panel, "y", "region4", weights=weights)
    frame = res.to_frame()
    data, region4 = panel.data, panel.geometry["region4"]
    for period in panel.periods:
        cs = data.xs(period, level="year")
        pop = cs["pop"].tolist() if weights else None
        expected = textbook(cs["y"].tolist(), pop, region4.reindex(cs.index).tolist())  # formulas above
        row = frame.loc[period]
        for name in ("T", "T_within", "T_between", "L", "L_within", "L_between", "cv"):
            assert row[name] == pytest.approx(expected[name], abs=1e-12)
        if weights:
            assert row["williamson"] == pytest.approx(expected["williamson"], abs=1e-12)
        else:
            assert np.isnan(row["williamson"])
        assert row["T_share_within"] + row["T_share_between"] == pytest.approx(1.0, abs=1e-14)
        assert row["L_share_within"] + row["L_share_between"] == pytest.approx(1.0, abs=1e-14)


def test_decomposition_adds_up_and_by_group() -> None:
    res = theil(make_panel(n=30, seed=4), "y", "grp", weights="pop")
    f = res.to_frame()
    np.testing.assert_allclose(f["T_within"] + f["T_between"], f["T"], atol=1e-14)
    np.testing.assert_allclose(f["L_within"] + f["L_between"], f["L"], atol=1e-14)
    g = res.by_group
    assert res.groups == ("a", "b", "c")
    np.testing.assert_allclose(g.groupby(level=0)["weight_share"].sum(), 1.0, atol=1e-14)
    np.testing.assert_allclose(g.groupby(level=0)["value_share"].sum(), 1.0, atol=1e-14)
    # T_within is the value-share-weighted sum of the groups' T (definition)
    np.testing.assert_allclose((g["value_share"] * g["T"]).groupby(level=0).sum(), f["T_within"], atol=1e-14)
    assert "Theil" in str(res.summary())


def test_scale_invariance() -> None:
    panel = make_panel(seed=6)
    scaled = panel.with_data(panel.data[["y"]].rename(columns={"y": "y7"}) * 7.0)
    a = theil(scaled, "y", "region4", weights="pop").to_frame()
    b = theil(scaled, "y7", "region4", weights="pop").to_frame()
    pd.testing.assert_frame_equal(a, b, atol=1e-14, rtol=0)  # the indices are homogeneous of degree 0


def test_equal_populations_williamson_is_cv() -> None:
    panel = make_panel()
    ones = panel.with_data(pd.Series(2.0, index=panel.data.index, name="same"))
    f = theil(ones, "y", "region4", weights="same").to_frame()
    np.testing.assert_allclose(f["williamson"], f["cv"], atol=1e-14)  # Williamson with P_i equal = CV
    g = theil(panel, "y", "region4").to_frame()
    np.testing.assert_allclose(f["T"], g["T"], atol=1e-14)


def test_errors() -> None:
    panel = make_panel()
    with pytest.raises(PanelError, match="'missing_col'"):
        theil(panel, "y", "missing_col")
    with pytest.raises(PanelError, match="missing value"):
        theil(make_panel(with_nan=True), "y", "region4")
    zero = panel.with_data(pd.Series(0.0, index=panel.data.index, name="zero"))
    with pytest.raises(PanelError, match="positive values.*'zero'"):
        theil(zero, "zero", "region4")
    neg = panel.with_data(pd.Series(-1.0, index=panel.data.index, name="negpop"))
    with pytest.raises(PanelError, match="'negpop' must be positive"):
        theil(neg, "y", "region4", weights="negpop")
