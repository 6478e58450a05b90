"""Embarrassingly parallel resampling: bootstraps, permutations, placebo and impact draws, run serially, on a
process pool or on Dask, with results bit-identical across backends and worker counts.

Two rules make the results independent of where and how the draws run:

1. Draw ``k`` (0-based) uses its own random stream, ``numpy.random.default_rng(children[k])`` with
   ``children = numpy.random.SeedSequence(seed).spawn(draws)``: no stream is shared between draws, so the
   order in which workers finish does not matter.
2. The draws are split into chunks (one task each) fixed by the number of draws alone
   (:func:`chunk_slices`), never by the number of workers; results come back in draw order.

Backends (``backend=``, :data:`spillover.options.ResampleBackend`):

- ``"serial"``: a plain loop in this process (the default).
- ``"processes"``: a process pool of ``n_jobs`` workers (every usable core when None), started by ``forkserver``
  (``spawn`` where there is none), never ``fork``: a forked child hangs as soon as it calls into a native
  thread pool that the parent had started (pyfixest's Rust pool does this; seen in the placebo draws).  The
  task is pickled once per worker (cloudpickle when installed, so closures travel; pickle otherwise) and
  each chunk sends only its seeds.
- ``"dask"``: the ``client=`` given, else the active ``distributed.Client`` (``distributed.Client.current()``),
  else a ``distributed.LocalCluster`` of ``n_jobs`` single-threaded worker processes that is started for the
  call and closed after it.  The task is scattered once to the workers and each chunk is one Dask task.
  Dask is optional: ``pip install spillover[dask]``.

Dask is imported only inside the functions that use it, so ``import spillover`` never loads it.

``backend="auto"`` (the productivity models' default) is decided by :func:`auto_processes`: a process pool
only for large problems *and* when at least two cores are free now (usable cores minus the 1-minute load
average), since on a machine whose cores are busy the pool's workers only queue behind the other work.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import pickle
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np

from spillover.errors import SpilloverError
from spillover.options import Progress, ResampleBackend, check_int, check_option, progress_bar

__all__ = [
    "CHUNKS",
    "MIN_CHUNK",
    "chunk_slices",
    "draw_seeds",
    "map_chunks",
    "map_draws",
    "map_items",
    "dask_client",
    "DASK_MISSING",
    "usable_cores",
    "n_workers",
    "free_cores",
    "auto_processes",
    "AUTO_FREE_CORES",
]

CHUNKS = 64  # at most this many tasks per call: enough to balance many workers, few enough to be cheap
MIN_CHUNK = 8  # draws per task at least (a task costs a few ms on Dask)
AUTO_FREE_CORES = 2  # backend="auto" starts a pool only with at least this many free cores
DASK_MISSING = "backend='dask' needs dask.distributed, which is not installed: pip install spillover[dask]"

ChunkFn = Callable[[Sequence[np.random.SeedSequence]], np.ndarray]
DrawFn = Callable[[np.random.Generator], np.ndarray]


def draw_seeds(seed: int | np.random.SeedSequence | None, draws: int) -> list[np.random.SeedSequence]:
    """The seed of each draw: ``SeedSequence(seed).spawn(draws)`` (draw ``k`` gets child ``k``).

    >>> [int(np.random.default_rng(s).integers(100)) for s in draw_seeds(0, 3)] == [
    ...     int(np.random.default_rng(s).integers(100)) for s in draw_seeds(0, 5)[:3]]
    True
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return list(root.spawn(int(draws)))


def chunk_slices(draws: int) -> list[slice]:
    """Contiguous slices of ``range(draws)``, one task each: a function of ``draws`` only.

    >>> [(s.start, s.stop) for s in chunk_slices(20)]
    [(0, 8), (8, 16), (16, 20)]
    """
    size = max(MIN_CHUNK, -(-draws // CHUNKS))
    return [slice(a, min(a + size, draws)) for a in range(0, draws, size)]


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity (``os.sched_getaffinity``, which honours
    ``taskset`` and container cpusets) where the platform has it, else ``os.cpu_count()``."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def _runnable_now(samples: int = 9, pause: float = 0.005) -> int | None:
    """Runnable threads on the machine now, other than the one asking: the median of ``samples`` readings of
    /proc/loadavg's ``running/total`` field, ``pause`` seconds apart, minus one; None where the file does not
    exist (not Linux)."""
    counts = []
    for k in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as fh:
                counts.append(int(fh.read().split()[3].split("/")[0]))
        except (OSError, ValueError, IndexError):
            return None
        if k + 1 < samples:
            time.sleep(pause)
    return max(0, int(np.median(counts)) - 1)


def free_cores() -> int:
    """Usable cores that nothing else is using now, at least 0.

    Linux: usable cores minus the threads runnable at this moment (:func:`_runnable_now`, a median of a few
    readings 5 ms apart, so a blip does not decide).  The 1-minute load average is not used there: it still
    counts a job that ended seconds ago (an idle 2-core machine read 0.85 a minute after a test run, which
    made ``backend="auto"`` choose serial), and it counts this process's own computing, although its core is
    free for the pool while it waits.  Elsewhere: usable cores minus the 1-minute load average (rounded half
    up; ``os.getloadavg``), or every usable core where the platform reports no load (Windows).
    """
    cores = usable_cores()
    busy = _runnable_now()
    if busy is None:
        try:
            busy = math.floor(os.getloadavg()[0] + 0.5)
        except (AttributeError, OSError):  # no load average on this platform
            return cores
    return max(0, cores - busy)


def auto_processes(size: int, threshold: int, n_jobs: int | None = None) -> bool:
    """What ``backend="auto"`` decides: True (a process pool) when ``size >= threshold``, more than one
    worker is allowed (``n_jobs`` None or at least 2) and at least :data:`AUTO_FREE_CORES` cores are free
    (:func:`free_cores`); False (serial) otherwise.

    Below the size threshold starting a pool costs more than the second core saves; on a busy machine the
    workers would share cores with the other work (measured 4-8% slower than serial with one of two cores
    busy, see docs/large_n.md), so the load is read at each call.
    """
    if size < threshold or (n_jobs is not None and n_jobs < 2):
        return False
    return free_cores() >= AUTO_FREE_CORES


def n_workers(n_jobs: int | None) -> int:
    """Workers of a pool: ``n_jobs`` when positive, else every usable core (:func:`usable_cores`)."""
    return n_jobs if n_jobs and n_jobs > 0 else usable_cores()


def _each(one: DrawFn, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
    return np.stack([np.asarray(one(np.random.default_rng(s)), dtype=float) for s in seeds])


class _PerDraw:
    """``seeds -> stacked rows``: a picklable chunk task made from a per-draw function."""

    def __init__(self, one: DrawFn) -> None:
        self.one = one

    def __call__(self, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        return _each(self.one, seeds)


def map_draws(
    one: DrawFn,
    draws: int,
    seed: int | np.random.SeedSequence | None,
    *,
    backend: ResampleBackend = "serial",
    client: Any = None,
    n_jobs: int | None = None,
    progress: Progress = False,
    label: str = "draws",
    error: type[SpilloverError] = SpilloverError,
) -> np.ndarray:
    """``draws x ...`` array whose row ``k`` is ``one(numpy.random.default_rng(draw_seeds(seed, draws)[k]))``.

    >>> one = lambda rng: rng.standard_normal(2)
    >>> a = map_draws(one, 10, seed=1)
    >>> a.shape, bool((a == map_draws(one, 10, seed=1, backend="processes", n_jobs=2)).all())
    ((10, 2), True)
    """
    return map_chunks(
        _PerDraw(one),
        draws,
        seed,
        backend=backend,
        client=client,
        n_jobs=n_jobs,
        progress=progress,
        label=label,
        error=error,
    )


def map_chunks(
    chunk: ChunkFn,
    draws: int,
    seed: int | np.random.SeedSequence | None,
    *,
    backend: ResampleBackend = "serial",
    client: Any = None,
    n_jobs: int | None = None,
    progress: Progress = False,
    label: str = "draws",
    error: type[SpilloverError] = SpilloverError,
) -> np.ndarray:
    """``chunk(seeds)`` for the seeds of each of :func:`chunk_slices`, concatenated in draw order.

    ``chunk`` receives the :class:`numpy.random.SeedSequence` of each of its draws and returns one row per
    draw (an array of length ``len(seeds)`` along axis 0): a vectorised simulation can draw a chunk at once.
    """
    check_int(draws, "draws", minimum=1, error=error)
    check_option(backend, ResampleBackend, "backend", error=error)
    if n_jobs is not None:
        check_int(n_jobs, "n_jobs", minimum=1, error=error)
    seeds = draw_seeds(seed, draws)
    slices = chunk_slices(draws)
    calls = [seeds[sl] for sl in slices]
    with progress_bar(progress, draws, label) as update:
        if backend == "serial" or (backend == "processes" and (n_workers(n_jobs) < 2 or len(calls) == 1)):
            parts = []
            for sl, c in zip(slices, calls):
                parts.append(chunk(c))
                update(sl.stop, draws)
        elif backend == "processes":
            parts = _on_processes(chunk, calls, slices, min(n_workers(n_jobs), len(calls)), update, draws)
        else:
            parts = _on_dask(chunk, calls, slices, client, n_jobs, update, draws)
    return np.concatenate([np.asarray(p) for p in parts], axis=0)


class _Indexed:
    """``[i, ...] -> [fn(items[i]), ...]``: a picklable task that holds the items; each call sends indices."""

    def __init__(self, one: Callable[[Any], Any], items: Sequence[Any]) -> None:
        self.one = one
        self.items = list(items)

    def __call__(self, indices: Sequence[int]) -> list[Any]:
        return [self.one(self.items[i]) for i in indices]


def map_items(
    one: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    backend: ResampleBackend = "serial",
    client: Any = None,
    n_jobs: int | None = None,
    error: type[SpilloverError] = SpilloverError,
) -> list[Any]:
    """``[one(item) for item in items]``, run on ``backend``, in the order of ``items``.

    For units of work that carry their own seeds (a period's permutations, a model's fit): each item is one
    task, so the results do not depend on the backend or the number of workers.  ``one`` and ``items`` travel
    once per worker; each task sends only its index.

    >>> map_items(abs, [-1, 2, -3], backend="processes", n_jobs=2)
    [1, 2, 3]
    """
    check_option(backend, ResampleBackend, "backend", error=error)
    if n_jobs is not None:
        check_int(n_jobs, "n_jobs", minimum=1, error=error)
    task = _Indexed(one, items)
    calls = [[i] for i in range(len(task.items))]
    if backend == "serial" or len(calls) < 2 or (backend == "processes" and n_workers(n_jobs) < 2):
        return task(range(len(calls)))
    slices = [slice(i, i + 1) for i in range(len(calls))]
    done = lambda *_: None  # noqa: E731 - no progress bar per item
    if backend == "processes":
        parts = _on_processes(task, calls, slices, min(n_workers(n_jobs), len(calls)), done, len(calls))
    else:
        parts = _on_dask(task, calls, slices, client, n_jobs, done, len(calls))
    return [out for part in parts for out in part]


_TASK: list[Any] = []  # the task of this worker process (set once by _install)


def _dumps(task: Any) -> bytes:
    try:  # closures and local functions: cloudpickle (a dependency of dask) when available
        import cloudpickle  # type: ignore[import-untyped]

        return bytes(cloudpickle.dumps(task))
    except ImportError:
        return pickle.dumps(task)


def _install(blob: bytes) -> None:
    _TASK[:] = [pickle.loads(blob)]


def _run_installed(seeds: Any) -> Any:
    return _TASK[0](seeds)


def _modules(chunk: Any) -> list[str]:
    """The modules defining the task (imported by the forkserver when it starts, not by each worker)."""
    inner = getattr(chunk, "one", None)
    names = {getattr(type(obj), "__module__", None) for obj in (chunk, inner)}
    names |= {getattr(obj, "__module__", None) for obj in (chunk, inner)}
    return sorted(n for n in names if isinstance(n, str) and n.startswith("spillover."))


def _on_processes(
    chunk: Callable[[Any], Any], calls: list, slices: list[slice], workers: int, update: Any, draws: int
) -> list[Any]:
    # forkserver, not fork: a forked child deadlocks in native thread pools started in the parent (pyfixest's
    # Rust pool, BLAS); the task travels once per worker (pool initializer), the seeds once per chunk
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":  # the server imports these once; each worker forks from it (no threads there)
        ctx.set_forkserver_preload(
            ["numpy", "pandas", "scipy.sparse", "spillover._parallel", *_modules(chunk)]
        )
    try:
        blob = _dumps(chunk)
    except (pickle.PicklingError, AttributeError, TypeError) as err:
        raise SpilloverError(
            f"backend='processes' could not send the task to the worker processes ({err}); install "
            "cloudpickle (pip install spillover[dask]) or use backend='serial'."
        ) from err
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_install, initargs=(blob,)
    ) as pool:
        futures: list[Future] = [pool.submit(_run_installed, c) for c in calls]
        parts = []
        for sl, f in zip(slices, futures):
            parts.append(f.result())
            update(sl.stop, draws)
        return parts


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as err:  # optional dependency
        raise ImportError(DASK_MISSING) from err
    return distributed


@contextmanager
def dask_client(client: Any = None, n_jobs: int | None = None) -> Iterator[Any]:
    """The Dask client to use: ``client`` when given, else the active one, else a client of a
    ``LocalCluster`` (``n_jobs`` single-threaded worker processes; every usable core when None) that is closed on exit.
    """
    distributed = _import_distributed()
    if client is not None:
        if not hasattr(client, "submit") or not hasattr(client, "scatter"):
            raise SpilloverError(
                f"client must be a distributed.Client, got {type(client).__name__}; "
                "pass client=distributed.Client(...) or leave it None."
            )
        yield client
        return
    try:
        yield distributed.Client.current()
        return
    except ValueError:  # no active client: start a local cluster for this call
        pass
    with (
        distributed.LocalCluster(
            n_workers=n_workers(n_jobs), threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as own,
    ):
        yield own


def _call(task: Callable[[Any], Any], seeds: Any) -> Any:
    return task(seeds)


def _on_dask(
    chunk: Callable[[Any], Any],
    calls: list,
    slices: list[slice],
    client: Any,
    n_jobs: int | None,
    update: Any,
    draws: int,
) -> list[Any]:
    with dask_client(client, n_jobs) as c:
        [task] = c.scatter([chunk], broadcast=True, hash=False)  # the data travel once per worker
        futures = [c.submit(_call, task, seeds, pure=False) for seeds in calls]
        parts = []
        try:
            for sl, f in zip(slices, futures):
                parts.append(f.result())
                update(sl.stop, draws)
        finally:
            c.cancel([*futures, task])
        return parts
