"""Local Geary, Getis-Ord Gi/Gi*, join counts and bivariate LISA equal esda called directly.

Reference: esda 2.8 (PySAL) classes called in the test on the same cross-section of Munnell's US states panel
(spillover.datasets.us_states, 48 regions) with a queen contiguity Graph built here by libpysal from the
geometry, and the same seed: ``numpy.random.seed(s)`` then the class with ``seed=s`` (esda's classes that
ignore ``seed=`` draw their kernel seed from NumPy's global generator).  Statistics are compared to 1e-12
(the same code path in double precision); pseudo p-values exactly (the same permutations).  These tests pay
numba's compile time of each esda kernel once per process, hence ``slow``.
"""

from __future__ import annotations

import esda
import numpy as np
import pytest
from libpysal.graph import Graph
from scipy import stats

import spillover as so
from spillover import esda as sesda

TOL = 1e-12
PERM = 99
SEED = 7
PERIOD = 1986

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def panel() -> so.SpatialPanel:
    base = so.datasets.us_states()
    data = base.data
    rich = (data["ln_gsp"] > data["ln_gsp"].median()).astype(int).rename("rich")
    public = (data["ln_pcap"] > data["ln_pcap"].median()).astype(int).rename("public")
    return base.with_data(rich).with_data(public)


@pytest.fixture(scope="module")
def w(panel) -> Graph:
    return Graph.build_contiguity(panel.geometry, rook=False)


def _y(panel, var):
    return panel.matrix(var)[PERIOD].reindex(panel.ids).to_numpy()


def _esda(seed, call):
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        return call()
    finally:
        np.random.set_state(state)


def test_local_geary_equals_esda(panel, w) -> None:
    res = sesda.local_geary(panel, "ln_gsp", w, PERIOD, permutations=PERM, seed=SEED)
    ref = _esda(
        SEED, lambda: esda.Geary_Local(connectivity=w, permutations=PERM, seed=SEED).fit(_y(panel, "ln_gsp"))
    )
    frame = res.to_frame()
    np.testing.assert_allclose(frame["statistic"], ref.localG, rtol=0, atol=TOL)
    np.testing.assert_array_equal(frame["p_sim"], ref.p_sim)
    # seeded: the same call twice gives the same p-values; another seed other ones
    again = sesda.local_geary(panel, "ln_gsp", w, PERIOD, permutations=PERM, seed=SEED).to_frame()
    np.testing.assert_array_equal(again["p_sim"], frame["p_sim"])
    other = sesda.local_geary(panel, "ln_gsp", w, PERIOD, permutations=PERM, seed=SEED + 1).to_frame()
    assert not np.array_equal(other["p_sim"], frame["p_sim"])
    # GeoDa's labels: significant, c_i below the mean of c, both z and lag above zero -> High-High
    sig = frame[frame["significant"]]
    hh = sig[(sig["statistic"] < frame["statistic"].mean()) & (sig["z"] > 0) & (sig["lag_z"] > 0)]
    assert (hh["cluster"] == "High-High").all()


def test_local_geary_multivariate_equals_esda(panel, w) -> None:
    res = sesda.local_geary(panel, ["ln_gsp", "ln_pcap"], w, PERIOD, permutations=PERM, seed=SEED)
    ref = _esda(
        SEED,
        lambda: esda.Geary_Local_MV(connectivity=w, permutations=PERM).fit(
            [_y(panel, "ln_gsp"), _y(panel, "ln_pcap")]
        ),
    )
    np.testing.assert_allclose(res.to_frame()["statistic"], ref.localG, rtol=0, atol=TOL)
    np.testing.assert_array_equal(res.to_frame()["p_sim"], ref.p_sim)
    assert set(res.clusters) <= {"Positive", "Negative", "Not significant"}


@pytest.mark.parametrize("star", [True, False])
def test_getis_ord_equals_esda(panel, w, star) -> None:
    res = sesda.getis_ord(panel, "gsp", w, PERIOD, star=star, permutations=PERM, seed=SEED)
    # esda adds the self-weight itself when star=True and the graph has none
    ref = esda.G_Local(_y(panel, "gsp"), w, transform="R", star=star, permutations=PERM, seed=SEED, n_jobs=1)
    frame = res.to_frame()
    np.testing.assert_allclose(frame["statistic"], ref.Gs, rtol=0, atol=TOL)
    np.testing.assert_allclose(frame["expected"], ref.EGs, rtol=0, atol=TOL)
    np.testing.assert_allclose(frame["z_norm"], ref.Zs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(frame["p_value"], 2 * ref.p_norm, rtol=1e-12)  # esda's p_norm is one-sided
    np.testing.assert_array_equal(frame["p_sim"], ref.p_sim)
    # classes from p_sim and the sign of z (hand rule)
    p, z = frame["p_sim"].to_numpy(), frame["z_norm"].to_numpy()
    side = np.where(z > 0, "hot", "cold")
    expected = np.where(
        p <= 0.01,
        side + "_99",
        np.where(p <= 0.05, side + "_95", np.where(p <= 0.10, side + "_90", "not_significant")),
    )
    np.testing.assert_array_equal(frame["cluster"], expected)
    assert res.star is star


def test_getis_ord_without_permutations_uses_normal_p(panel, w) -> None:
    res = sesda.getis_ord(panel, "gsp", w, PERIOD, permutations=0)
    frame = res.to_frame()
    assert frame["p_sim"].isna().all()
    z = frame["z_norm"].to_numpy()
    p = 2 * stats.norm.sf(np.abs(z))  # two-sided normal p-value, written out
    assert ((frame["cluster"] == "hot_95") == ((p > 0.01) & (p <= 0.05) & (z > 0))).all()


def test_join_counts_equal_esda(panel, w) -> None:
    res = sesda.join_counts(panel, "rich", w, PERIOD, permutations=PERM, seed=SEED)
    y = _y(panel, "rich")
    ref = _esda(
        SEED, lambda: esda.Join_Counts_Local(connectivity=w, permutations=PERM).fit(y, permutations=PERM)
    )
    glob = _esda(SEED, lambda: esda.Join_Counts(y, w, permutations=PERM))
    frame = res.to_frame()
    np.testing.assert_array_equal(frame["statistic"], ref.LJC)
    np.testing.assert_array_equal(frame["p_sim"], ref.p_sim)
    row = res.global_.iloc[0]
    assert (row["bb"], row["ww"], row["bw"], row["J"]) == (glob.bb, glob.ww, glob.bw, glob.J)
    assert row["p_sim_bb"] == glob.p_sim_bb
    # the local count written out: x_i * number of neighbours with x_j = 1
    a = w.sparse.toarray() > 0
    np.testing.assert_array_equal(frame["statistic"], y * (a.astype(float) @ y))


@pytest.mark.parametrize("case", ["CLC", "BJC"])
def test_bivariate_join_counts_equal_esda(panel, w, case) -> None:
    res = sesda.join_counts(panel, ["rich", "public"], w, PERIOD, case=case, permutations=PERM, seed=SEED)
    x, z = _y(panel, "rich"), _y(panel, "public")
    ref = _esda(
        SEED,
        lambda: esda.Join_Counts_Local_BV(connectivity=w, permutations=PERM).fit(
            x, z, case=case, permutations=PERM
        ),
    )
    np.testing.assert_array_equal(res.to_frame()["statistic"], ref.LJC)
    np.testing.assert_array_equal(res.to_frame()["p_sim"], ref.p_sim)
    assert res.global_ is None


def test_bivariate_moran_equals_esda(panel, w) -> None:
    res = sesda.bivariate_lisa(panel, "ln_gsp", "ln_pcap", w, PERIOD, permutations=PERM, seed=SEED)
    x, y = _y(panel, "ln_gsp"), _y(panel, "ln_pcap")
    ref = esda.Moran_Local_BV(x, y, w, transformation="r", permutations=PERM, seed=SEED, n_jobs=1)
    frame = res.to_frame()
    np.testing.assert_allclose(frame["statistic"], ref.Is, rtol=0, atol=TOL)
    np.testing.assert_array_equal(frame["p_sim"], ref.p_sim)
    quad = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}  # esda's q codes
    np.testing.assert_array_equal(frame["quadrant"], [quad[q] for q in ref.q])


def test_lee_equals_esda(panel, w) -> None:
    res = sesda.bivariate_lisa(
        panel, "ln_gsp", "ln_pcap", w, PERIOD, method="lee", permutations=PERM, seed=SEED
    )
    x, y = _y(panel, "ln_gsp"), _y(panel, "ln_pcap")
    ref = _esda(
        SEED,
        lambda: esda.Spatial_Pearson_Local(connectivity=w.transform("R").sparse, permutations=PERM).fit(
            x.reshape(-1, 1), y.reshape(-1, 1)
        ),
    )
    frame = res.to_frame()
    np.testing.assert_allclose(frame["statistic"], ref.associations_.ravel(), rtol=0, atol=TOL)
    np.testing.assert_array_equal(frame["p_sim"], ref.significance_.ravel())
    # Lee's L_i written out: product of the spatial lags of the standardised variables
    r = w.transform("R").sparse.toarray()
    zx, zy = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
    np.testing.assert_allclose(frame["statistic"], (r @ zx) * (r @ zy), rtol=0, atol=1e-10)


def test_the_global_random_state_is_left_alone(panel, w) -> None:
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    sesda.local_geary(panel, "ln_gsp", w, PERIOD, permutations=PERM, seed=SEED)
    sesda.getis_ord(panel, "gsp", w, PERIOD, permutations=PERM, seed=None)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_seed_none_is_recorded_and_repeatable(panel, w) -> None:
    first = sesda.getis_ord(panel, "gsp", w, PERIOD, permutations=PERM, seed=None)
    again = sesda.getis_ord(panel, "gsp", w, PERIOD, permutations=PERM, seed=first.seed)
    np.testing.assert_array_equal(first.to_frame()["p_sim"], again.to_frame()["p_sim"])


def test_results_are_read_only_and_summarise(panel, w) -> None:
    res = sesda.getis_ord(panel, "gsp", w, PERIOD, permutations=PERM, seed=SEED)
    with pytest.raises(AttributeError):
        res.alpha = 0.1  # type: ignore[misc]
    frame = res.to_frame()
    frame.iloc[0, 0] = -1.0
    assert res.to_frame().iloc[0, 0] != -1.0
    summary = res.summary()
    assert isinstance(summary, so.summary.Summary)
    assert int(summary.frame["regions"].sum()) == 48
    assert "<table" in res._repr_html_()
