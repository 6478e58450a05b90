"""Moran's I and Geary's C by period on backend="processes" and "dask": the tables equal the serial ones
exactly (each period is one task with its own generator), for 1, 2 and 4 workers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph

from spillover import datasets, esda
from spillover.errors import SpilloverError

VARS = ["ln_gsp", "unemp"]
PERMS, SEED = 49, 7


@pytest.fixture(scope="module")
def setup():
    panel = datasets.us_states()
    return panel, Graph.build_contiguity(panel.geometry, rook=False)


def _tables(setup, **kw):
    panel, w = setup
    return (
        esda.moran_by_period(panel, VARS, w, permutations=PERMS, seed=SEED, **kw),
        esda.geary_by_period(panel, "ln_gsp", w, permutations=PERMS, seed=SEED, **kw),
    )


def _identical(got, want):
    for g, r in zip(got, want):
        pd.testing.assert_frame_equal(g, r, check_exact=True)


def test_serial_rows_are_esda_and_their_own_generator(setup):
    # provenance: esda.Moran called directly on each cross-section; p_sim from a permutation loop written out
    # here with the generator default_rng([seed, k]) of period k (the convention documented for the table)
    from esda import Moran

    panel, w = setup
    moran, _ = _tables(setup)
    wt = w.transform("r")
    wmat = wt.sparse.toarray()
    for k, period in enumerate(panel.periods[:3]):
        y = panel.matrix("unemp")[period].to_numpy()
        m = Moran(y, wt, permutations=0)
        row = moran.loc[("unemp", period)]
        assert row["I"] == pytest.approx(m.I, rel=1e-12)
        rng = np.random.default_rng([SEED, k])
        z = y - y.mean()
        sims = []
        for p in rng.permuted(np.broadcast_to(z, (PERMS, z.size)), axis=1):
            sims.append(z.size / wmat.sum() * (p @ wmat @ p) / (z @ z))
        larger = int((np.array(sims) >= m.I - 1e-12).sum())
        larger = min(larger, PERMS - larger)
        assert row["p_sim"] == pytest.approx((larger + 1) / (PERMS + 1))


def test_bad_backend_and_n_jobs_are_named(setup):
    panel, w = setup
    with pytest.raises(SpilloverError, match="backend"):
        esda.moran_by_period(panel, "ln_gsp", w, backend="threads")
    with pytest.raises(SpilloverError, match="n_jobs"):
        esda.geary_by_period(panel, "ln_gsp", w, backend="processes", n_jobs=0)


@pytest.mark.slow  # worker processes start by forkserver and import esda: seconds each
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_processes_are_bit_identical_for_1_2_4_workers(setup, workers):
    _identical(_tables(setup, backend="processes", n_jobs=workers), _tables(setup))


@pytest.mark.slow  # real LocalClusters with worker processes, one per worker count
def test_dask_cluster_is_bit_identical_for_1_2_4_workers(setup, dask_client_of):
    want = _tables(setup)
    for n in (1, 2, 4):
        with dask_client_of(n) as client:
            _identical(_tables(setup, backend="dask", client=client), want)
