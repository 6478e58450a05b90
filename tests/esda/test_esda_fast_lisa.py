"""Local Moran at scale: spillover's linear-time conditional randomisation against esda called directly.

References: ``esda.Moran_Local`` (statistics, ``p_sim``, ``EI_sim``/``seI_sim`` behind ``z_sim``) and
``esda.crand.vec_permutations`` (esda's permuted ids), both called directly with the same seed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from libpysal.graph import Graph

import spillover.weights
from spillover import esda as sesda
from spillover.errors import SpilloverError
from spillover.esda._crand import permuted_ids
from spillover.panel import SpatialPanel


def _grid_panel(side: int, periods: int = 2, seed: int = 0) -> tuple[SpatialPanel, Graph]:
    """A side x side rook grid (sparse matrix built directly) with a spatially smoothed variable."""
    import geopandas as gpd

    n = side * side
    idx = np.arange(n).reshape(side, side)
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:, 1:].ravel(), idx[:-1].ravel(), idx[1:].ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[:, :-1].ravel(), idx[1:].ravel(), idx[:-1].ravel()])
    a = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))
    graph = Graph.from_sparse(a, ids=np.arange(n))
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n, periods))
    smooth = graph.transform("R").sparse
    raw = raw + 0.8 * (smooth @ raw)
    data = pd.DataFrame(
        {"id": np.repeat(np.arange(n), periods), "t": np.tile(np.arange(periods), n), "y": raw.ravel()}
    )
    geo = gpd.GeoDataFrame(
        {"id": np.arange(n)}, geometry=gpd.points_from_xy(idx.ravel() % side, idx.ravel() // side)
    )
    return SpatialPanel(data, geo, id="id", time="t"), graph


def _esda_local(y: np.ndarray, graph: Graph, permutations: int, seed: int):
    from esda import Moran_Local

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Moran_Local(
            y,
            graph,
            transformation="R",
            permutations=permutations,
            seed=seed,
            n_jobs=1,
            keep_simulations=True,
        )


@pytest.mark.parametrize(
    ("max_card", "n", "perms", "seed"), [(4, 10, 30, 1), (3, 500, 99, 7), (8, 61, 50, 0), (4, 5, 20, 3)]
)
def test_permuted_ids_are_esdas_draws(max_card, n, perms, seed):
    from esda.crand import vec_permutations

    # reference: esda's own id generator (numba's choice without replacement) with the same seed
    expected = vec_permutations(max_card, n, perms, seed)
    np.testing.assert_array_equal(permuted_ids(max_card, n, perms, seed), expected)


@pytest.mark.slow  # esda's numba kernel compiles for ~10-40 s
def test_local_moran_equals_esda_at_3000_regions():
    panel, graph = _grid_panel(55)  # 3,025 regions
    res = sesda.local_moran(panel, "y", graph, period=1, permutations=199, seed=11).to_frame()
    y = panel.matrix("y")[1].reindex(panel.ids).to_numpy()
    ref = _esda_local(y, graph, 199, 11)  # reference: esda.Moran_Local called directly, same seed
    np.testing.assert_allclose(res["Ii"], ref.Is, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res["z"], ref.z, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(res["p_sim"].to_numpy(), ref.p_sim)  # identical draws, identical counts
    np.testing.assert_allclose(res["z_sim"], ref.z_sim, rtol=1e-9, atol=1e-9)
    quadrant = pd.Series(ref.q).map({1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"})
    assert (res["quadrant"].to_numpy() == quadrant.to_numpy()).all()


@pytest.mark.slow  # esda's numba kernel compiles for ~10-40 s
def test_local_moran_equals_esda_with_self_weights_and_islands():
    panel, graph = _grid_panel(12)
    m = sp.lil_array(graph.sparse)
    m[0, :] = 0  # region 0 becomes an island
    m[:, 0] = 0
    m[5, 5], m[7, 7] = 1.0, 2.0  # self-weights
    g = Graph.from_sparse(sp.csr_array(m), ids=np.arange(m.shape[0]))
    g = spillover.weights.align(g, panel.ids, islands="keep")
    res = sesda.local_moran(panel, "y", g, period=0, permutations=99, seed=3).to_frame()
    y = panel.matrix("y")[0].reindex(panel.ids).to_numpy()
    ref = _esda_local(y, g, 99, 3)  # reference: esda.Moran_Local, same seed
    np.testing.assert_allclose(res["Ii"], ref.Is, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(res["p_sim"].to_numpy()[1:], ref.p_sim[1:])
    assert np.isnan(res["p_sim"].iloc[0]) and res["cluster"].iloc[0] == "Not significant"


def test_weights_are_aligned_once_for_all_periods(monkeypatch):
    panel, graph = _grid_panel(8, periods=5)
    calls = []
    real = spillover.weights.align

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(spillover.weights, "align", counting)
    for t in panel.periods:
        sesda.local_moran(panel, "y", graph, period=t, permutations=9, seed=0)
    assert len(calls) == 1
    for t in panel.periods:
        sesda.local_geary(panel, "y", graph, t, permutations=9, seed=0)
    assert len(calls) == 1  # the same (Graph, panel, "r") entry
    other, _ = _grid_panel(8, periods=5)  # a new panel is aligned afresh
    sesda.local_moran(other, "y", graph, period=0, permutations=9, seed=0)
    assert len(calls) == 2


def test_local_moran_is_seeded_and_thread_count_free():
    import numba

    panel, graph = _grid_panel(20)
    first = sesda.local_moran(panel, "y", graph, period=0, permutations=99, seed=4).to_frame()
    again = sesda.local_moran(panel, "y", graph, period=0, permutations=99, seed=4).to_frame()
    pd.testing.assert_frame_equal(first, again)
    other = sesda.local_moran(panel, "y", graph, period=0, permutations=99, seed=5).to_frame()
    assert not np.array_equal(first["p_sim"], other["p_sim"])
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = sesda.local_moran(panel, "y", graph, period=0, permutations=99, seed=4).to_frame()
    finally:
        numba.set_num_threads(before)
    pd.testing.assert_frame_equal(first, serial)


def test_seed_too_large_is_refused():
    panel, graph = _grid_panel(5)
    with pytest.raises(SpilloverError, match="seed"):
        sesda.local_moran(panel, "y", graph, period=0, permutations=9, seed=2**40)
