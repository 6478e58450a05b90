"""The Simar-Wilson DEA and Malmquist bootstraps give bit-identical replicates serially, on 1, 2 and 4
worker processes and on a Dask LocalCluster of worker processes (the serial run is the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spillover.productivity import bootstrap_dea, bootstrap_malmquist


def _data(n: int = 25):
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 10, (n, 2))
    return x, np.sqrt(x.prod(axis=1, keepdims=True)) * rng.uniform(0.6, 1.0, (n, 1))


def _panel():
    rng = np.random.default_rng(2)
    df = pd.DataFrame(
        {"u": np.tile(np.arange(15), 2), "t": np.repeat([1, 2], 15), "x": rng.uniform(1, 5, 30)}
    )
    df["y"] = df["x"] * rng.uniform(0.5, 1.0, 30) * np.where(df["t"] == 2, 1.1, 1.0)
    return df


MKW = {"id": "u", "time": "t", "inputs": ["x"], "outputs": ["y"], "draws": 10, "seed": 0}


@pytest.mark.slow  # worker processes start by forkserver: seconds each
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_bootstrap_dea_processes(workers):
    x, y = _data()
    ref = bootstrap_dea(x, y, draws=12, seed=9, backend="serial")
    got = bootstrap_dea(x, y, draws=12, seed=9, backend="processes", n_jobs=workers)
    pd.testing.assert_frame_equal(got.replicates, ref.replicates, check_exact=True)


@pytest.mark.slow
def test_bootstrap_malmquist_processes():
    ref = bootstrap_malmquist(_panel(), **MKW, backend="serial")
    got = bootstrap_malmquist(_panel(), **MKW, backend="processes", n_jobs=2)
    pd.testing.assert_frame_equal(got.table, ref.table, check_exact=True)


@pytest.mark.slow
def test_dask_local_cluster(dask_client):
    x, y = _data()
    ref = bootstrap_dea(x, y, draws=12, seed=9, backend="serial")
    got = bootstrap_dea(x, y, draws=12, seed=9, backend="dask", client=dask_client)
    pd.testing.assert_frame_equal(got.replicates, ref.replicates, check_exact=True)
    mref = bootstrap_malmquist(_panel(), **MKW, backend="serial")
    mgot = bootstrap_malmquist(_panel(), **MKW, backend="dask", client=dask_client)
    pd.testing.assert_frame_equal(mgot.table, mref.table, check_exact=True)
