"""backend="auto": a process pool only for large problems on a machine with at least two free cores
(usable cores minus the threads runnable now on Linux, minus the 1-minute load average elsewhere), decided by
spillover._parallel.auto_processes for every model family (issue #24, item 6).  The machine's cores, runnable
threads and load are monkeypatched, so the expected answers follow from the rule itself: free = cores - busy
(busy = runnable threads other than the caller, else floor(load + 0.5)), processes iff size >= threshold,
n_jobs allows two workers and free >= 2."""

from __future__ import annotations

import os

import pytest

from spillover import _parallel as P
from spillover.productivity import _engine as E


def machine(monkeypatch, cores: int, load: float | None, runnable: int | None = None) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(P, "_runnable_now", lambda: runnable)  # None: not Linux, the load average decides
    if load is None:
        monkeypatch.delattr(os, "getloadavg", raising=False)
    else:
        monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load), raising=False)


@pytest.mark.parametrize(
    ("cores", "load", "free"),
    [
        (2, 0.0, 2),  # idle two-core machine
        (2, 0.4, 2),
        (2, 0.6, 1),  # one core mostly busy
        (2, 1.0, 1),
        (2, 3.0, 0),  # overloaded: never negative
        (8, 2.5, 5),  # rounded half up: 2.5 -> 3 busy cores
        (8, None, 8),  # no load average (Windows): every usable core
    ],
)
def test_free_cores_subtracts_the_load_average(monkeypatch, cores, load, free):
    machine(monkeypatch, cores, load)
    assert P.usable_cores() == cores
    assert P.free_cores() == free


@pytest.mark.parametrize(
    ("cores", "load", "runnable", "free"),
    [
        (2, 0.85, 0, 2),  # idle now, a finished job still in the load average: both cores free
        (2, 0.1, 1, 1),  # another job started seconds ago: the load average has not seen it yet
        (2, 2.0, 3, 0),
        (8, 0.0, 2, 6),
    ],
)
def test_free_cores_on_linux_count_the_threads_runnable_now(monkeypatch, cores, load, runnable, free):
    machine(monkeypatch, cores, load, runnable)
    assert P.free_cores() == free


def test_runnable_now_reads_proc_loadavg(monkeypatch):
    # provenance: /proc/loadavg's fourth field is "runnable/total" (proc(5)); the median of the readings,
    # minus the reading thread
    readings = iter(
        ["0.50 0.40 0.30 3/120 999\n", "0.50 0.40 0.30 1/120 999\n", "0.50 0.40 0.30 3/120 999\n"]
    )

    class Fake:
        def __init__(self, *args, **kwargs):
            self.text = next(readings)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return self.text

    monkeypatch.setattr("builtins.open", Fake)
    assert P._runnable_now(samples=3, pause=0) == 2

    def missing(*args, **kwargs):
        raise FileNotFoundError("/proc/loadavg")

    monkeypatch.setattr("builtins.open", missing)
    assert P._runnable_now(samples=3, pause=0) is None


def test_usable_cores_falls_back_to_cpu_count(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # macOS and Windows have no affinity call
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert P.usable_cores() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert P.usable_cores() == 1


def test_affinity_limits_the_cores(monkeypatch):
    # taskset / a container cpuset: 16 cores in the machine, 3 for this process
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    machine(monkeypatch, 3, 0.0)
    assert P.usable_cores() == 3
    assert P.n_workers(None) == 3
    assert E.n_workers(None) == 3
    assert E.n_workers(5) == 5  # an explicit n_jobs is kept


@pytest.mark.parametrize(
    ("cores", "load", "units", "n_jobs", "expected"),
    [
        (2, 0.0, E.AUTO_PROCESSES, None, "processes"),  # idle, large enough
        (2, 0.0, E.AUTO_PROCESSES - 1, None, "serial"),  # too small for a pool
        (2, 1.0, 10 * E.AUTO_PROCESSES, None, "serial"),  # one core busy: the measured slowdown
        (4, 1.0, 10 * E.AUTO_PROCESSES, None, "processes"),  # three cores free
        (4, 2.6, 10 * E.AUTO_PROCESSES, None, "serial"),  # one free core
        (8, 0.0, 10 * E.AUTO_PROCESSES, 1, "serial"),  # n_jobs=1: no pool
        (8, 0.0, 10 * E.AUTO_PROCESSES, 2, "processes"),
        (1, 0.0, 10 * E.AUTO_PROCESSES, None, "serial"),  # a single core
        (4, None, 10 * E.AUTO_PROCESSES, None, "processes"),  # no load average: cores decide
    ],
)
def test_auto_backend_decides_from_free_cores(monkeypatch, cores, load, units, n_jobs, expected):
    machine(monkeypatch, cores, load)
    assert E.resolve_backend("auto", units, n_jobs) == expected
    assert P.auto_processes(units, E.AUTO_PROCESSES, n_jobs) == (expected == "processes")


def test_explicit_backends_ignore_the_load(monkeypatch):
    machine(monkeypatch, 2, 5.0)
    for backend in ("serial", "processes", "dask"):
        assert E.resolve_backend(backend, 10 * E.AUTO_PROCESSES, None) == backend


def test_bootstrap_auto_follows_the_same_rule(monkeypatch):
    from spillover.productivity.bootstrap import AUTO_WORK, _resolve

    machine(monkeypatch, 2, 0.0)
    assert _resolve("auto", AUTO_WORK, None) == "processes"
    machine(monkeypatch, 2, 1.2)
    assert _resolve("auto", AUTO_WORK, None) == "serial"
