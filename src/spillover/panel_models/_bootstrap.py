"""Cluster (region) bootstrap of statistics of within regressions, and bootstrap confidence intervals.

Each draw resamples whole regions with replacement; a region drawn twice enters as two regions with new
ids (Stata's ``bootstrap, cluster() idcluster()``), so its fixed effect is absorbed separately for each
copy.  The within transformation is done with numpy on the resampled rows (no formula engine in the loop):
with a balanced sample, the region-demeaned rows of each region are computed once and each draw only
subtracts the period means of the drawn regions, which is the exact two-way transformation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy import stats

from spillover._parallel import map_draws
from spillover.errors import ModelError
from spillover.options import Progress, ProgressFn, ResampleBackend, progress_bar
from spillover.panel_models._data import Sample
from spillover.panel_models._within import Absorber

__all__ = ["ProgressFn", "cluster_bootstrap", "percentile_ci", "bc_ci", "reporter", "resample_rows"]

StatFn = Callable[[np.ndarray], np.ndarray]


@contextmanager
def reporter(progress: Progress, total: int, label: str) -> Iterator[ProgressFn]:
    """A callback ``update(done, total)``: the package's one mechanism, :func:`spillover.options.progress_bar`."""
    with progress_bar(progress, total, label) as update:
        yield update


def resample_rows(sample: Sample, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, new region codes (one per drawn copy) and period codes of a resample of ``regions``."""
    order = np.argsort(sample.unit, kind="stable")
    sizes = np.bincount(sample.unit, minlength=sample.n_units)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rows = np.concatenate([order[starts[r] : starts[r] + sizes[r]] for r in regions])
    new_ids = np.repeat(np.arange(len(regions)), sizes[regions])
    return rows, new_ids, sample.time[rows]


class _Transformer:
    """Within-transformed columns of a resample, via the fast balanced path when it applies."""

    def __init__(self, sample: Sample, raw: np.ndarray) -> None:
        self.sample, self.raw = sample, raw
        g, t = sample.n_units, sample.n_times
        self.fast = (
            sample.nobs == g * t
            and sample.fixed_effects != "none"
            and Absorber((sample.unit, sample.time)).balanced
        )
        if self.fast:
            cube = np.empty((g, t, raw.shape[1]))
            cube[sample.unit, sample.time] = raw
            if sample.fixed_effects in ("twoway", "unit"):
                cube = cube - cube.mean(axis=1, keepdims=True)  # each region's own means, once
            self.cube = cube

    def __call__(self, regions: np.ndarray) -> np.ndarray:
        if self.fast:
            block = self.cube[regions]
            if self.sample.fixed_effects in ("twoway", "time"):
                block = block - block.mean(axis=0, keepdims=True)  # period means of the drawn regions
            return block.reshape(-1, block.shape[2])
        rows, new_ids, times = resample_rows(self.sample, regions)
        x = self.raw[rows]
        codes = {"twoway": (new_ids, times), "unit": (new_ids,), "time": (times,), "none": ()}
        if self.sample.fixed_effects == "none":
            return np.column_stack([x, np.ones(len(x))])
        return Absorber(codes[self.sample.fixed_effects])(x)


class _Draw:
    """One bootstrap draw: regions resampled with the draw's own generator, the statistic of the within
    transformation (NaN where the design is singular).  A class so the process and Dask backends can ship it."""

    def __init__(self, n_units: int, transform: _Transformer, stat: StatFn, size: int) -> None:
        self.n_units, self.transform, self.stat, self.size = n_units, transform, stat, size

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        picks = rng.integers(0, self.n_units, size=self.n_units)
        try:
            return np.asarray(self.stat(self.transform(picks)), dtype=float)
        except np.linalg.LinAlgError:  # a singular draw stays NaN
            return np.full(self.size, np.nan)


def cluster_bootstrap(
    sample: Sample,
    columns: Sequence[str],
    stat: StatFn,
    *,
    draws: int,
    seed: int | None,
    progress: Progress = False,
    label: str = "bootstrap",
    backend: ResampleBackend = "serial",
    client: Any = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    """``draws x len(stat(...))`` statistics of within-transformed resamples of the sample's regions.

    ``stat`` receives the within-transformed columns (in ``columns`` order; a constant column appended when
    no effects are absorbed) and returns a vector; draws where it fails (singular design) give NaN.
    Draw ``k`` resamples with ``numpy.random.default_rng(SeedSequence(seed).spawn(draws)[k])``
    (:mod:`spillover._parallel`), so the draws depend only on ``seed``, whatever ``backend`` runs them.
    """
    transform = _Transformer(sample, sample.matrix(list(columns)))
    first = np.asarray(stat(transform(np.arange(sample.n_units))), dtype=float)
    one = _Draw(sample.n_units, transform, stat, first.size)
    return map_draws(
        one,
        draws,
        seed,
        backend=backend,
        client=client,
        n_jobs=n_jobs,
        progress=progress,
        label=label,
        error=ModelError,
    ).reshape(draws, first.size)


def percentile_ci(draws: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile interval of the finite draws."""
    ok = draws[np.isfinite(draws)]
    alpha = (1 - level) / 2
    return float(np.quantile(ok, alpha)), float(np.quantile(ok, 1 - alpha))


def bc_ci(draws: np.ndarray, estimate: float, level: float) -> tuple[float, float]:
    """Bias-corrected percentile interval (Efron 1982): quantiles ``Phi(2 z0 +- z_{alpha/2})`` with
    ``z0 = Phi^-1(share of draws below the estimate)`` (ties counted half, as Stata's bootstrap)."""
    ok = draws[np.isfinite(draws)]
    share = (np.sum(ok < estimate) + 0.5 * np.sum(ok == estimate)) / len(ok)
    share = min(max(share, 0.5 / len(ok)), 1 - 0.5 / len(ok))
    z0 = stats.norm.ppf(share)
    za = stats.norm.ppf((1 - level) / 2)
    lo, hi = stats.norm.cdf(2 * z0 + za), stats.norm.cdf(2 * z0 - za)
    return float(np.quantile(ok, lo)), float(np.quantile(ok, hi))
