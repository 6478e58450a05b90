"""Markov chains of spillover.disparity against giddy called directly and against hand counts.

Provenance: the matrices, counts, steady states, mean first passage times and tests are compared with
giddy.markov.Markov / Spatial_Markov / LISA_Markov and giddy.ergodic called on the same regions x periods
array, classes (mapclassify, as giddy classifies) and weights; transition counts are also recounted here with
numpy, and pi P = pi and the first-passage equations are checked as definitions.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import geopandas as gpd
import mapclassify as mc
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import spillover as so
from spillover import disparity
from spillover.errors import PanelError, SpilloverError


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def _lattice_panel(n_side: int = 6, periods: int = 8, seed: int = 1) -> so.SpatialPanel:
    """A n_side x n_side lattice of square regions with a random-walk variable (continuous, no ties)."""
    rng = np.random.default_rng(seed)
    ids = [f"r{i:02d}" for i in range(n_side * n_side)]
    geo = gpd.GeoDataFrame(
        {"id": ids},
        geometry=[box(i % n_side, i // n_side, i % n_side + 1, i // n_side + 1) for i in range(len(ids))],
    )
    y = rng.normal(size=(len(ids), 1)) + rng.normal(scale=0.6, size=(len(ids), periods)).cumsum(axis=1)
    data = pd.DataFrame(
        {
            "id": np.repeat(ids, periods),
            "year": np.tile(np.arange(2000, 2000 + periods), len(ids)),
            "y": y.ravel(),
        }
    )
    return so.SpatialPanel(data, geo, id="id", time="year")


def _hand_counts(ids: np.ndarray, k: int) -> np.ndarray:
    counts = np.zeros((k, k))
    np.add.at(counts, (ids[:, :-1].ravel(), ids[:, 1:].ravel()), 1)
    return counts


def _giddy_w(panel: so.SpatialPanel):
    """Queen contiguity of the lattice built by libpysal itself, row-standardised (ids in panel order)."""
    from libpysal.weights import Queen

    w = Queen.from_dataframe(panel.geometry.reset_index(drop=True), ids=list(panel.ids))
    w.transform = "r"
    return w


def test_markov_matches_giddy_and_hand_counts(us_panel):
    from giddy.ergodic import mfpt, steady_state
    from giddy.markov import Markov

    res = disparity.markov(us_panel, "ln_gsp", k=4)
    y = us_panel.matrix("ln_gsp").to_numpy()
    ids = mc.Quantiles(y.ravel(), k=4).yb.reshape(y.shape)  # giddy's own pooled classification
    m = Markov(ids, summary=False)
    np.testing.assert_allclose(res.matrix.to_numpy(), m.p)  # provenance: giddy Markov
    np.testing.assert_array_equal(res.counts.to_numpy(), m.transitions)
    np.testing.assert_array_equal(res.counts.to_numpy(), _hand_counts(ids, 4))  # provenance: numpy recount
    np.testing.assert_allclose(res.matrix.sum(axis=1), 1.0)
    assert list(res.matrix.index) == ["C1", "C2", "C3", "C4"] == list(res.matrix.columns)
    pi = res.steady_state.to_numpy()
    np.testing.assert_allclose(pi @ res.matrix.to_numpy(), pi, atol=1e-12)  # definition pi P = pi
    np.testing.assert_allclose(pi, steady_state(m.p)[0], atol=1e-12)  # giddy (reducible: one recurrent class)
    assert pi.sum() == pytest.approx(1.0)
    # off the diagonal (and on it for recurrent classes) the passage times are giddy's
    f = mfpt(m.p)
    got = res.mfpt.to_numpy()
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(got[off], f[off])
    assert np.isinf(got[0, 0]) and pi[0] == 0  # the transient class never recurs
    # cutoffs are mapclassify's pooled quartile bounds
    np.testing.assert_allclose(res.cutoffs, mc.Quantiles(y.ravel(), k=4).bins[:-1])
    assert res.class_ids.shape == y.shape


def test_markov_per_period_classes_and_ergodic_quantities(us_panel):
    from giddy.ergodic import mfpt, steady_state
    from giddy.markov import Markov

    res = disparity.markov(us_panel, "ln_gsp", k=4, fixed=False)
    y = us_panel.matrix("ln_gsp").to_numpy()
    ids = np.column_stack([mc.Quantiles(y[:, t], k=4).yb for t in range(y.shape[1])])
    m = Markov(ids, summary=False)
    p = res.matrix.to_numpy()
    np.testing.assert_allclose(p, m.p)  # provenance: giddy Markov on per-period quartiles
    assert res.cutoffs is None and res.fixed is False
    np.testing.assert_allclose(res.steady_state.to_numpy(), steady_state(m.p))  # giddy.ergodic
    np.testing.assert_allclose(res.mfpt.to_numpy(), mfpt(m.p))
    # definition of the mean first passage times: m_ij = 1 + sum_{l != j} p_il m_lj
    mm = res.mfpt.to_numpy()
    for j in range(4):
        keep = np.arange(4) != j
        np.testing.assert_allclose(mm[:, j], 1 + p[:, keep] @ mm[keep, j])


def test_markov_user_cutoffs(us_panel):
    from giddy.markov import Markov

    cut = [9.5, 10.5, 11.5]
    res = disparity.markov(us_panel, "ln_gsp", cutoffs=cut)
    y = us_panel.matrix("ln_gsp").to_numpy()
    ids = np.digitize(y, cut, right=True)  # provenance: class i holds cut[i-1] < y <= cut[i]
    np.testing.assert_array_equal(res.counts.to_numpy(), _hand_counts(ids, 4))
    np.testing.assert_allclose(res.matrix.to_numpy(), Markov(ids, classes=np.arange(4), summary=False).p)
    assert res.cutoffs == tuple(cut)
    frame = res.to_frame()
    assert list(frame.columns) == ["from", "to", "count", "probability"] and len(frame) == 16
    assert "Transition probabilities" in str(res.summary())


def test_spatial_markov_matches_giddy():
    from giddy.markov import Spatial_Markov

    panel = _lattice_panel()
    wd = _giddy_w(panel)
    res = disparity.spatial_markov(panel, "y", wd, k=4)
    y = panel.matrix("y").to_numpy()
    sm = Spatial_Markov(y, wd, k=4, m=4, fixed=True)
    np.testing.assert_allclose(res.conditional.to_numpy(), np.asarray(sm.P).reshape(16, 4))  # giddy
    np.testing.assert_array_equal(res.conditional_counts.to_numpy(), np.asarray(sm.T).reshape(16, 4))
    np.testing.assert_allclose(res.matrix.to_numpy(), sm.p)
    t = res.tests
    assert t.loc["LR", "statistic"] == pytest.approx(sm.LR)
    assert t.loc["LR", "p_value"] == pytest.approx(sm.LR_p_value)
    assert t.loc["Q", "statistic"] == pytest.approx(sm.Q)
    assert t.loc["Q", "df"] == sm.dof_hom
    assert t.loc["chi2", "statistic"] == pytest.approx(sm.x2)
    assert t.loc["chi2", "df"] == sm.x2_dof
    assert list(t.columns) == ["statistic", "df", "p_value", "null"]
    # independent recount: lag W y (row-standardised queen lattice), pooled quartiles of the lags
    dense, order = wd.full()  # libpysal's dense row-standardised matrix
    assert list(order) == list(panel.ids)
    lag_ids = mc.Quantiles((dense @ y).ravel(), k=4).yb.reshape(y.shape)
    ids = mc.Quantiles(y.ravel(), k=4).yb.reshape(y.shape)
    counts = np.zeros((4, 4, 4))
    np.add.at(counts, (lag_ids[:, :-1].ravel(), ids[:, :-1].ravel(), ids[:, 1:].ravel()), 1)
    np.testing.assert_array_equal(res.conditional_counts.to_numpy(), counts.reshape(16, 4))
    rows = res.conditional.to_numpy().sum(axis=1)
    nonempty = res.conditional_counts.to_numpy().sum(axis=1) > 0
    np.testing.assert_allclose(rows[nonempty], 1.0)
    for lag in res.lag_classes:
        pi = res.conditional_steady_state.loc[lag].to_numpy()
        if np.all(np.isfinite(pi)):
            np.testing.assert_allclose(pi @ res.conditional.loc[lag].to_numpy(), pi, atol=1e-10)
    long = res.to_frame()
    assert list(long.columns) == ["lag", "from", "to", "count", "probability"] and len(long) == 64


def test_spatial_markov_row_standardises_the_weights():
    panel = _lattice_panel()
    wb = _giddy_w(panel)
    wb.transform = "b"  # binary weights are row-standardised by spillover
    got = disparity.spatial_markov(panel, "y", wb, k=3)
    wr = _giddy_w(panel)
    want = disparity.spatial_markov(panel, "y", wr, k=3)
    np.testing.assert_allclose(got.conditional.to_numpy(), want.conditional.to_numpy())
    assert got.conditional.shape == (9, 3)


def test_lisa_markov_matches_giddy_and_quadrants():
    from giddy.markov import LISA_Markov

    panel = _lattice_panel()
    wd = _giddy_w(panel)
    res = disparity.lisa_markov(panel, "y", wd)
    y = panel.matrix("y").to_numpy()
    lm = LISA_Markov(y, wd)
    np.testing.assert_allclose(res.matrix.to_numpy(), lm.p)  # provenance: giddy LISA_Markov
    np.testing.assert_array_equal(res.counts.to_numpy(), lm.transitions)
    assert res.tests.loc["chi2", "statistic"] == pytest.approx(lm.chi_2[0])
    np.testing.assert_allclose(res.matrix.sum(axis=1), 1.0)
    # quadrants by hand: signs of the period-centred value and of its spatial lag
    z = y - y.mean(axis=0)
    dense, order = wd.full()
    assert list(order) == list(panel.ids)
    lag = dense @ z
    hand = np.where(
        z > 0, np.where(lag > 0, "High-High", "High-Low"), np.where(lag > 0, "Low-High", "Low-Low")
    )
    np.testing.assert_array_equal(res.quadrants.to_numpy(), hand)
    pi = res.steady_state.to_numpy()
    np.testing.assert_allclose(pi @ res.matrix.to_numpy(), pi, atol=1e-10)


def test_results_are_read_only(us_panel):
    res = disparity.markov(us_panel, "ln_gsp")
    mat = res.matrix
    mat.iloc[0, 0] = 99.0
    assert res.matrix.iloc[0, 0] != 99.0
    with pytest.raises(AttributeError):
        res.variable = "x"  # type: ignore[misc]


def test_markov_errors_name_the_problem(us_panel):
    with pytest.raises(PanelError, match="nope"):
        disparity.markov(us_panel, "nope")
    with pytest.raises(SpilloverError, match="k"):
        disparity.markov(us_panel, "ln_gsp", k=1)
    with pytest.raises(SpilloverError, match="increasing"):
        disparity.markov(us_panel, "ln_gsp", cutoffs=[10.0, 9.0])
    with pytest.raises(PanelError, match="two periods"):
        disparity.markov(us_panel.subset(periods=[1970]), "ln_gsp")


def test_spatial_markov_per_period_classes_match_giddy():
    from giddy.markov import Spatial_Markov

    panel = _lattice_panel(seed=3)
    wd = _giddy_w(panel)
    res = disparity.spatial_markov(panel, "y", wd, k=3, fixed=False)
    sm = Spatial_Markov(panel.matrix("y").to_numpy(), wd, k=3, m=3, fixed=False)  # provenance: giddy
    np.testing.assert_allclose(res.conditional.to_numpy(), np.asarray(sm.P).reshape(9, 3))
    assert res.tests.loc["LR", "statistic"] == pytest.approx(sm.LR)
    assert res.cutoffs is None and res.lag_cutoffs is None


def test_counts_are_integers_in_tables_and_summaries(us_panel):
    """Transition counts are integers (giddy hands them over as floats): the frames hold int64 and the
    summaries print them without decimals, e.g. "148", never "148.0000"."""
    w = so.weights.contiguity(us_panel, kind="queen")
    res = disparity.markov(us_panel, "ln_gsp", k=4)
    sm = disparity.spatial_markov(us_panel, "ln_gsp", w, k=4)
    lm = disparity.lisa_markov(us_panel, "ln_gsp", w)
    for frame in (res.counts, sm.counts, sm.conditional_counts, lm.counts):
        assert all(pd.api.types.is_integer_dtype(t) for t in frame.dtypes)
    assert pd.api.types.is_integer_dtype(res.to_frame()["count"])
    for result, table in ((res, 0), (sm, 0), (sm, 1), (lm, 0)):
        shown = result.summary().tables[table]
        counts = (sm.conditional_counts if table == 1 else result.counts).sum(axis=1).to_numpy()
        np.testing.assert_array_equal(shown["n"].to_numpy(), counts)
        assert pd.api.types.is_integer_dtype(shown["n"])
    text = str(res.summary())
    n0 = int(res.counts.iloc[0].sum())  # the first row's count, recomputed from the count matrix
    assert f" {n0} " in text and f"{n0}.0000" not in text
