"""DEA, SBM and Malmquist on backend="dask": chunks fixed by the number of units (never by the workers), so a
real LocalCluster with 1, 2 and 4 worker processes gives the serial results bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spillover.productivity import _engine as E
from spillover.productivity import dea, malmquist, sbm


def _data(n: int = 70):
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.uniform(1, 10, (n, 3)), columns=["x1", "x2", "x3"])
    y = pd.DataFrame({"y": x.prod(axis=1) ** 0.3 * np.exp(-np.abs(rng.normal(0, 0.3, n)))})
    return x, y


def _panel(n: int = 40, periods: int = 3):
    rng = np.random.default_rng(6)
    base = rng.uniform(1, 10, (n, 2))
    frames = []
    for t in range(periods):
        x = base * np.exp(rng.normal(0, 0.05, (n, 2)))
        y = x.prod(axis=1) ** 0.4 * 1.03**t * np.exp(-np.abs(rng.normal(0, 0.3, n)))
        frames.append(pd.DataFrame({"u": np.arange(n), "t": t, "x1": x[:, 0], "x2": x[:, 1], "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_chunks_depend_on_the_number_of_units_only():
    # provenance: the rule written out: ceil(n / CHUNK_UNITS) equal slices covering 0..n in order
    for n in (0, 1, 999, E.CHUNK_UNITS, E.CHUNK_UNITS + 1, 100_000):
        got = E._chunks(n)
        k = max(1, -(-n // E.CHUNK_UNITS))
        assert len(got) == (k if n else 1)
        assert got[0].start == 0 and got[-1].stop == n
        assert all(a.stop == b.start for a, b in zip(got[:-1], got[1:]))
        assert max(s.stop - s.start for s in got) <= max(E.CHUNK_UNITS, 1)
        for backend, jobs in (("serial", 1), ("processes", 2), ("processes", 8), ("dask", 4)):
            assert E.Executor(backend, jobs).chunks(n) == got


def _outputs(backend: str, **kw):
    x, y = _data()
    with pytest.MonkeyPatch.context() as mp:
        # several chunks at a small size: dea and sbm cut their chunks in this process
        mp.setattr(E, "CHUNK_UNITS", 16)
        d = dea(x, y, rts="vrs", backend=backend, **kw)
        s = sbm(x, y, rts="vrs", backend=backend, **kw)
    # a Malmquist period is one task that chunks its own LPs where it runs (unpatched there)
    m = malmquist(_panel(), id="u", time="t", inputs=["x1", "x2"], outputs=["y"], backend=backend, **kw)
    return [
        d.efficiency,
        d.input_slacks,
        d.output_slacks,
        d.peer_table,
        d.scale,
        s.efficiency,
        m.indices,
        m.distances,
    ]


def _identical(got, want):
    for g, w in zip(got, want):
        if isinstance(g, pd.Series):
            pd.testing.assert_series_equal(g, w, check_exact=True)
        else:
            pd.testing.assert_frame_equal(g, w, check_exact=True)


@pytest.mark.slow  # real LocalClusters with worker processes
def test_dask_cluster_is_bit_identical_for_1_2_4_workers(dask_client_of):
    import dask

    want = _outputs("serial")
    for n in (1, 2, 4):
        with dask_client_of(n) as client, dask.config.set(scheduler=client):
            _identical(_outputs("dask"), want)


@pytest.mark.slow  # forked worker processes
def test_processes_are_bit_identical():
    _identical(_outputs("processes", n_jobs=2), _outputs("serial"))
