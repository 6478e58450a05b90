"""Emerging hot spots: the Mann-Kendall test and the category rules.

References: the Mann-Kendall S written as an explicit double loop over pairs s < t, its tie-corrected
variance [T(T-1)(2T+5) - sum t_g(t_g-1)(2t_g+5)] / 18 (Kendall 1975, eq. 4.3; Hirsch, Slack and Smith 1982)
and the continuity-corrected Z, all written out below; the categories checked on hand-built hot/cold series
against the rules of docs/guide.md; Gi* per period against esda.G_Local called directly.
"""

from __future__ import annotations

import esda
import numpy as np
import pytest
from libpysal.graph import Graph
from scipy import stats

import spillover as so
from spillover import esda as sesda
from spillover.errors import SpilloverError
from spillover.esda._emerging import _category


def _mk_by_hand(x):
    t = len(x)
    s = 0.0
    for i in range(t):
        for j in range(i + 1, t):
            s += np.sign(x[j] - x[i])
    groups = {}
    for v in x:
        groups[v] = groups.get(v, 0) + 1
    ties = sum(g * (g - 1) * (2 * g + 5) for g in groups.values())
    var = (t * (t - 1) * (2 * t + 5) - ties) / 18.0
    z = 0.0 if s == 0 else (s - np.sign(s)) / np.sqrt(var)
    return s, var, z, 2 * stats.norm.sf(abs(z))


@pytest.mark.parametrize(
    "series",
    [
        [1.0, 2.0, 3.0, 4.0, 5.0],
        [3.0, 1.0, 2.0, 2.0, 5.0, 5.0, 5.0, 0.5],  # ties
        [5.0, 4.0, 4.0, 1.0, 0.0, -2.0],
        list(np.random.default_rng(3).normal(size=19)),
    ],
)
def test_mann_kendall_equals_the_double_loop(series) -> None:
    got = sesda.mann_kendall(series)
    np.testing.assert_allclose(got, _mk_by_hand(series), rtol=1e-12, atol=1e-15)


def test_mann_kendall_s_and_variance_match_kendalltau() -> None:
    # scipy's tau-b against time has the same S and tie-corrected variance (tau = S / sqrt(n0 (n0 - n1)))
    x = np.array([3.0, 1.0, 2.0, 2.0, 5.0, 5.0, 5.0, 0.5])
    s, *_ = sesda.mann_kendall(x)
    tau = stats.kendalltau(np.arange(x.size), x).statistic
    n0 = x.size * (x.size - 1) / 2
    n1 = sum(g * (g - 1) / 2 for g in np.unique(x, return_counts=True)[1])
    assert tau == pytest.approx(s / np.sqrt(n0 * (n0 - n1)))


H, C, N = "H", "C", "."


def _flags(pattern: str):
    return np.array([c == H for c in pattern]), np.array([c == C for c in pattern])


@pytest.mark.parametrize(
    "pattern, trend, expected",
    [
        (".........H", 0, "new hot spot"),
        ("......HHHH", 0, "consecutive hot spot"),
        ("HHHHHHHHHH", 1, "intensifying hot spot"),
        ("HHHHHHHHHH", 0, "persistent hot spot"),
        ("H.HHHHHHHH", -1, "diminishing hot spot"),
        ("C..H...H.H", 0, "oscillating hot spot"),
        ("..H..H..HH", 0, "sporadic hot spot"),  # a run at the end but hot before it
        ("HHHHHHHHH.", 0, "historical hot spot"),
        ("HHHHHHHH..", 0, "no pattern"),  # 80 % and not hot at the end
        (".........C", 0, "new cold spot"),
        ("CCCCCCCCCC", -1, "intensifying cold spot"),  # a cold spot intensifies downwards
        ("CCCCCCCCCC", 1, "diminishing cold spot"),
        ("H...C.C..C", 0, "oscillating cold spot"),
        ("..........", 0, "no pattern"),
    ],
)
def test_category_rules_on_hand_built_series(pattern, trend, expected) -> None:
    hot, cold = _flags(pattern)
    assert _category(hot, cold, trend) == expected


@pytest.fixture(scope="module")
def panel() -> so.SpatialPanel:
    return so.datasets.us_states()


@pytest.fixture(scope="module")
def w(panel) -> Graph:
    return Graph.build_contiguity(panel.geometry, rook=False)


def test_emerging_hotspots_end_to_end(panel, w) -> None:
    res = sesda.emerging_hotspots(panel, "gsp", w, permutations=0, alpha=0.05)
    z = res.z
    for period in (panel.periods[0], panel.periods[-1]):
        y = panel.matrix("gsp")[period].reindex(panel.ids).to_numpy()
        ref = esda.G_Local(y, w, transform="R", star=True, permutations=0)  # esda directly
        np.testing.assert_allclose(z[period], ref.Zs, rtol=0, atol=1e-10)
    frame = res.to_frame()
    p = 2 * stats.norm.sf(np.abs(z.to_numpy()))
    hot, cold = (p <= 0.05) & (z.to_numpy() > 0), (p <= 0.05) & (z.to_numpy() < 0)
    for i in range(len(frame)):
        s, _, _, mk_p = _mk_by_hand(z.iloc[i].to_numpy())
        trend = int(np.sign(s)) if mk_p <= 0.05 else 0
        assert frame["category"].iloc[i] == _category(hot[i], cold[i], trend)
    assert int(res.counts().sum()) == 48
    assert "Emerging hot spots" in res.summary().as_text()


def test_emerging_hotspots_needs_three_periods(panel, w) -> None:
    short = panel.subset(periods=panel.periods[:2])
    with pytest.raises(SpilloverError, match="at least 3 periods"):
        sesda.emerging_hotspots(short, "gsp", w, permutations=0)
