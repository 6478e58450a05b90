"""local_moran_by_period: every period is local_moran with its own seed, bit-identical on every backend and for
1, 2 and 4 Dask workers (a real LocalCluster of worker processes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph

from spillover import datasets, esda
from spillover.errors import SpilloverError

PERMS, SEED = 49, 3


@pytest.fixture(scope="module")
def setup():
    panel = datasets.us_states()
    panel = panel.subset(periods=panel.periods[:4])
    return panel, Graph.build_contiguity(panel.geometry, rook=False)


def _lisa(setup, **kw):
    panel, w = setup
    return esda.local_moran_by_period(panel, "ln_gsp", w, permutations=PERMS, seed=SEED, **kw)


def test_each_period_is_local_moran_with_its_seed(setup):
    # provenance: local_moran (itself tested against esda.Moran_Local) called period by period with the seed
    # documented for period k, and that seed recomputed here from numpy's SeedSequence
    panel, w = setup
    got = _lisa(setup)
    assert got.index.names == [panel.id_name, panel.time_name]
    assert len(got) == panel.n_regions * panel.n_periods
    for k, period in enumerate(panel.periods):
        seed_k = int(np.random.SeedSequence([SEED, k]).generate_state(1)[0]) // 2
        assert esda.lisa_period_seed(SEED, k) == seed_k
        want = esda.local_moran(panel, "ln_gsp", w, period=period, permutations=PERMS, seed=seed_k)
        part = got.xs(period, level=panel.time_name)
        pd.testing.assert_frame_equal(part, want.to_frame(), check_exact=True, check_names=False)
    # independent draws: not every period's p_sim pattern equals the one drawn with the first period's seed
    first = esda.local_moran(panel, "ln_gsp", w, period=panel.periods[1], permutations=PERMS, seed=SEED)
    assert not np.array_equal(got.xs(panel.periods[1], level=1)["p_sim"], first.to_frame()["p_sim"])


def test_bad_options_are_named(setup):
    with pytest.raises(SpilloverError, match="backend"):
        _lisa(setup, backend="threads")
    with pytest.raises(SpilloverError, match="n_jobs"):
        _lisa(setup, backend="processes", n_jobs=0)
    panel, w = setup
    with pytest.raises(SpilloverError, match="seed"):
        esda.local_moran_by_period(panel, "ln_gsp", w, seed=2**31)


@pytest.mark.slow  # real LocalClusters with worker processes (each imports esda and compiles its kernel)
def test_dask_cluster_is_bit_identical_for_1_2_4_workers(setup, dask_client_of):
    want = _lisa(setup)
    for n in (1, 2, 4):
        with dask_client_of(n) as client:
            pd.testing.assert_frame_equal(_lisa(setup, backend="dask", client=client), want, check_exact=True)


@pytest.mark.slow  # worker processes start by forkserver
def test_processes_are_bit_identical(setup):
    pd.testing.assert_frame_equal(_lisa(setup, backend="processes", n_jobs=2), _lisa(setup), check_exact=True)
