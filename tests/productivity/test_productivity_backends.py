"""Malmquist and the bootstraps give the same numbers on every backend (serial, processes, a Dask cluster).

No reference numbers: the serial run is the reference (itself checked against DEAP 2.1 elsewhere).  The
Dask check uses a small in-process LocalCluster (threads), cheap enough for every test run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spillover.productivity import bootstrap_dea, malmquist


def panel(n: int = 40, T: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (T, n, 2))
    y = np.sqrt(x.prod(axis=2)) * rng.uniform(0.5, 1.0, (T, n)) * (1.02 ** np.arange(T))[:, None]
    return pd.DataFrame(
        {
            "u": np.tile(np.arange(n), T),
            "t": np.repeat(np.arange(T), n),
            "x1": x[..., 0].ravel(),
            "x2": x[..., 1].ravel(),
            "y": y.ravel(),
        }
    )


KW = dict(id="u", time="t", inputs=["x1", "x2"], outputs=["y"])


def test_malmquist_on_a_dask_local_cluster_and_processes_matches_serial():
    import distributed  # the optional extra spillover[dask]; installed in the test environment

    df = panel()
    serial = malmquist(df, backend="serial", **KW)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        remote = malmquist(df, backend="dask", **KW)
    pd.testing.assert_frame_equal(remote.indices, serial.indices, atol=1e-10, check_exact=False)
    procs = malmquist(df, backend="processes", n_jobs=2, **KW)
    pd.testing.assert_frame_equal(procs.indices, serial.indices, atol=1e-10, check_exact=False)
    assert malmquist(df, **KW).indices.equals(serial.indices)  # "auto" is serial at this size


def test_bootstrap_backends_give_the_same_replicates():
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 10, (25, 1))
    y = x**0.6 * rng.uniform(0.6, 1.0, (25, 1))
    serial = bootstrap_dea(x, y, draws=8, seed=4, progress=False, backend="serial")
    procs = bootstrap_dea(x, y, draws=8, seed=4, progress=False, backend="processes", n_jobs=2)
    auto = bootstrap_dea(x, y, draws=8, seed=4, progress=False)
    pd.testing.assert_frame_equal(procs.replicates, serial.replicates, atol=1e-10, check_exact=False)
    pd.testing.assert_frame_equal(auto.replicates, serial.replicates)
