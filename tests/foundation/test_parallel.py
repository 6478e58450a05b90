"""spillover._parallel: the same draws, bit for bit, serially, on a process pool and on a Dask cluster of
worker processes, whatever the number of workers; chunks fixed by the number of draws; a clear error
without Dask.

References: the serial loop written out here (``default_rng(child k of SeedSequence(seed))`` for draw k)
is the reference for every backend; no other numbers are involved.
"""

from __future__ import annotations

import builtins

import numpy as np
import pytest

from spillover import _parallel as P
from spillover.errors import ModelError

distributed = pytest.importorskip("distributed")


def _draw(rng: np.random.Generator) -> np.ndarray:
    # integers, normals and a permutation: every kind of call the resampling functions make
    return np.concatenate([rng.integers(0, 10, 3), rng.standard_normal(2), rng.permutation(4)])


def _reference(draws: int, seed: int) -> np.ndarray:
    children = np.random.SeedSequence(seed).spawn(draws)
    return np.stack([_draw(np.random.default_rng(child)) for child in children]).astype(float)


def test_serial_is_the_written_out_loop():
    np.testing.assert_array_equal(P.map_draws(_draw, 37, seed=11), _reference(37, 11))


@pytest.mark.slow  # worker processes start by forkserver: seconds each
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_processes_are_bit_identical_for_1_2_4_workers(workers):
    got = P.map_draws(_draw, 37, seed=11, backend="processes", n_jobs=workers)
    np.testing.assert_array_equal(got, _reference(37, 11))


@pytest.mark.slow
def test_closures_run_on_processes():
    offset = np.arange(3.0)  # a local function: travels to the workers by cloudpickle

    def one(rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal(3) + offset

    a = P.map_draws(one, 20, seed=3, backend="processes", n_jobs=2)
    np.testing.assert_array_equal(a, P.map_draws(one, 20, seed=3))


@pytest.mark.slow
def test_dask_cluster_is_bit_identical_for_1_2_4_workers(dask_client_of):
    ref = _reference(37, 11)
    for n in (1, 2, 4):  # one fresh LocalCluster per worker count
        with dask_client_of(n) as client:
            np.testing.assert_array_equal(P.map_draws(_draw, 37, seed=11, backend="dask", client=client), ref)


@pytest.mark.slow
def test_dask_uses_the_active_client(dask_client):
    with distributed.Client(dask_client.cluster) as active:  # becomes the default client
        seen = []
        got = P.map_draws(_draw, 10, seed=2, backend="dask", progress=lambda d, t: seen.append(d))
        assert distributed.Client.current() is active
    np.testing.assert_array_equal(got, _reference(10, 2))
    assert seen[-1] == 10


def test_chunks_depend_on_draws_only():
    for draws in (1, 7, 8, 9, 100, 511, 512, 513, 10_000):
        sl = P.chunk_slices(draws)
        assert sl[0].start == 0 and sl[-1].stop == draws
        assert all(a.stop == b.start for a, b in zip(sl[:-1], sl[1:]))
        assert len(sl) <= P.CHUNKS
        assert all(s.stop - s.start >= min(P.MIN_CHUNK, draws) for s in sl[:-1])
    # the chunks a task receives are the same whatever the worker count
    seen: dict[int, list[int]] = {}
    for workers in (1, 2, 4):

        def chunk(seeds, workers=workers):
            seen.setdefault(workers, []).append(len(seeds))
            return np.zeros((len(seeds), 1))

        P.map_chunks(chunk, 100, seed=0, backend="serial", n_jobs=workers)
    assert seen[1] == seen[2] == seen[4] == [s.stop - s.start for s in P.chunk_slices(100)]


def test_chunk_task_receives_the_children_in_order():
    got = P.map_chunks(lambda seeds: np.array([[s.spawn_key[-1]] for s in seeds]), 30, seed=5)
    np.testing.assert_array_equal(got[:, 0], np.arange(30))


def test_missing_dask_names_the_extra(monkeypatch):
    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match=r"pip install spillover\[dask\]"):
        P.map_draws(_draw, 10, seed=0, backend="dask")


def test_bad_options_are_named():
    with pytest.raises(ModelError, match="backend"):
        P.map_draws(_draw, 10, seed=0, backend="threads", error=ModelError)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="n_jobs"):
        P.map_draws(_draw, 10, seed=0, backend="processes", n_jobs=0, error=ModelError)
    with pytest.raises(Exception, match="client"):
        P.map_draws(_draw, 10, seed=0, backend="dask", client=object())


def _period(item: tuple[int, int]) -> list[float]:
    # a unit of work with its own seed (as a period of moran_by_period): its result is a function of the item
    k, n = item
    return np.random.default_rng([5, k]).standard_normal(n).tolist()


def test_map_items_serial_is_the_loop_in_order():
    items = [(k, 3) for k in range(5)]
    assert P.map_items(_period, items) == [_period(i) for i in items]
    assert P.map_items(_period, []) == []
    with pytest.raises(ModelError, match="backend"):
        P.map_items(_period, items, backend="threads", error=ModelError)


@pytest.mark.slow  # worker processes and a LocalCluster
def test_map_items_on_processes_and_dask_in_order(dask_client):
    items = [(k, 2 + k % 3) for k in range(11)]
    want = [_period(i) for i in items]
    for n in (1, 2, 4):
        assert P.map_items(_period, items, backend="processes", n_jobs=n) == want
    assert P.map_items(_period, items, backend="dask", client=dask_client) == want
