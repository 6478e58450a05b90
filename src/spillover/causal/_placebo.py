"""Placebo (randomisation) inference: reassign treatment at random, refit, compare.

Each draw reassigns the treatment and refits the same estimator with the same options:

* ``scheme="regions"``: the regions' treatment paths are permuted across regions (which regions are
  treated changes; how many, and when, does not);
* ``scheme="regions_and_timing"``: the regions are permuted as above and each placebo-treated region gets an
  adoption period drawn at random from the observed adoption periods (treatment must be absorbing: once
  treated, treated in every later period).

Draw ``k`` uses its own generator, ``numpy.random.default_rng(SeedSequence(seed).spawn(draws)[k])``, so
a draw does not depend on how many came before it.  The permutation p-value of a term is
``(1 + #{k: |b_k| >= |b|}) / (1 + draws)`` over the draws that could be fitted (two-sided, the placebo
distribution being centred on zero under the sharp null of no effect).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from spillover._parallel import map_draws
from spillover._readonly import ReadOnly
from spillover.causal._common import adoption_times, treat_matrix
from spillover.causal._did import SpatialDiDResult, fit_did
from spillover.causal._event import EventStudyResult, event_estimates
from spillover.errors import ModelError
from spillover.options import Progress, ResampleBackend, check_int, check_option, check_seed
from spillover.summary import P_SIM, Summary

__all__ = ["PlaceboResult", "placebo", "PlaceboScheme"]

PlaceboScheme = Literal["regions", "regions_and_timing"]


@dataclass(frozen=True)
class PlaceboResult(ReadOnly):
    """Result of :func:`placebo`; read-only.

    Attributes
    ----------
    estimate
        The real estimates (per term: the direct ATT and the spillover terms of a spatial DiD; ``att``, the
        average post-period coefficient, of an event study).
    distribution
        The placebo estimates: one row per draw, one column per term (NaN where a draw could not be fitted).
    pvalues
        The permutation p-value of each term.
    draws, seed, scheme
        The options of the draws.
    """

    estimate: pd.Series
    distribution: pd.DataFrame
    pvalues: pd.Series
    draws: int
    seed: int | None
    scheme: str
    design: str
    _failed: int = field(repr=False, default=0)

    @property
    def n_failed(self) -> int:
        """Draws whose placebo could not be fitted (e.g. collinear with the fixed effects)."""
        return self._failed

    def to_frame(self) -> pd.DataFrame:
        """One row per term: ``estimate`` (real), ``placebo_mean``, ``placebo_std`` (of the draws),
        ``p_sim`` (permutation p-value) and ``draws`` (fitted draws)."""
        dist = self.distribution
        return pd.DataFrame(
            {
                "estimate": self.estimate,
                "placebo_mean": dist.mean(),
                "placebo_std": dist.std(ddof=1),
                P_SIM: self.pvalues,
                "draws": dist.notna().sum(),
            }
        ).rename_axis("term")

    def summary(self) -> Summary:
        """The real estimates against their placebo distributions."""
        header = {
            "Design": self.design,
            "Scheme": self.scheme.replace("_", " "),
            "Draws": f"{self.draws} (seed {self.seed}; {self.n_failed} could not be fitted)",
        }
        notes = "p_sim = (1 + #{|placebo| >= |estimate|}) / (1 + draws)."
        return Summary("Placebo (randomisation) inference", (self.to_frame(),), header=header, notes=notes)

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _adoption_of(d: np.ndarray) -> np.ndarray:
    """Index of each region's first treated period (-1: never), from an absorbing N x T 0/1 matrix."""
    first = np.where(d.any(axis=1), d.argmax(axis=1), -1)
    return first


def _absorbing(d: np.ndarray, ids: pd.Index) -> None:
    steps = np.diff(d, axis=1)
    bad = ids[(steps < 0).any(axis=1)]
    if len(bad):
        raise ModelError(
            "scheme='regions_and_timing' needs an absorbing treatment (treated in every period after the "
            f"first); it switches off in regions {list(bad)[:10]}. Use scheme='regions'."
        )


def _reassign_matrix(d: np.ndarray, scheme: str, rng: np.random.Generator) -> np.ndarray:
    perm = d[rng.permutation(d.shape[0])]
    if scheme == "regions":
        return perm
    first = _adoption_of(perm)
    observed = np.unique(first[first >= 0])
    new = perm.copy()
    treated = first >= 0
    starts = rng.choice(observed, size=int(treated.sum()))
    cols = np.arange(d.shape[1])
    new[treated] = (cols[None, :] >= starts[:, None]).astype(float)
    return new


def _reassign_times(g: np.ndarray, scheme: str, rng: np.random.Generator) -> np.ndarray:
    perm = g[rng.permutation(len(g))]
    if scheme == "regions":
        return perm
    treated = ~np.isnan(perm)
    observed = np.unique(g[~np.isnan(g)])
    perm[treated] = rng.choice(observed, size=int(treated.sum()))
    return perm


def placebo(
    result: SpatialDiDResult | EventStudyResult,
    draws: int = 500,
    seed: int | None = None,
    *,
    scheme: PlaceboScheme = "regions",
    progress: Progress = False,
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> PlaceboResult:
    """Placebo distribution of a spatial DiD or an event study under random reassignment of treatment.

    Parameters
    ----------
    result
        A :class:`SpatialDiDResult` (terms: the direct ATT and the spillover terms) or an
        :class:`EventStudyResult` (term ``att``: the mean of the post-period coefficients).
    draws
        Placebo reassignments.
    seed
        Seed (None, a non-negative int); draw ``k`` uses the ``k``-th child of ``SeedSequence(seed)``.
    scheme
        ``"regions"`` (permute which regions are treated) or ``"regions_and_timing"`` (also draw their
        adoption periods from the observed ones).
    progress
        False, True (a bar on stderr) or a callable ``update(done, total)``.
    backend, n_jobs, client
        Where the draws run: ``"serial"`` (default), ``"processes"`` (``n_jobs`` workers) or ``"dask"``
        (``client``, else the active ``distributed.Client``, else a ``LocalCluster`` started for the call;
        ``pip install spillover[dask]``); :mod:`spillover._parallel`, identical results on every backend.

    Returns
    -------
    PlaceboResult
        ``estimate``, ``distribution`` (draws x terms), ``pvalues``; figure: :func:`spillover.maps.placebo_plot`.
    """
    check_int(draws, "draws", minimum=2, error=ModelError)
    check_seed(seed, error=ModelError)
    check_option(scheme, PlaceboScheme, "scheme", error=ModelError)
    if isinstance(result, SpatialDiDResult):
        estimate, one = _did_placebo(result, scheme)
        design = "spatial DiD"
    elif isinstance(result, EventStudyResult):
        estimate, one = _event_placebo(result, scheme)
        design = f"event study ({result.method})"
    else:
        raise ModelError(
            f"placebo needs a spatial_did or event_study result; got {type(result).__name__} (for the SDM-DiD, "
            "run placebo on spatial_did with the same w)."
        )
    rows = map_draws(
        _Guarded(one, len(estimate)),
        int(draws),
        seed,
        backend=backend,
        n_jobs=n_jobs,
        client=client,
        progress=progress,
        label="placebo draws",
        error=ModelError,
    )
    failed = int(np.isnan(rows).all(axis=1).sum())
    dist = pd.DataFrame(rows, columns=estimate.index).rename_axis("draw")
    finite = dist.notna()
    exceed = (dist.abs() >= estimate.abs().to_numpy()[None, :]) & finite
    pvalues = ((1 + exceed.sum()) / (1 + finite.sum())).rename("p_sim")
    return PlaceboResult(estimate, dist, pvalues, int(draws), seed, scheme, design, failed)


class _Guarded:
    """A placebo draw whose model cannot be fitted (ModelError) gives a row of NaN: counted as failed."""

    def __init__(self, one: Any, size: int) -> None:
        self.one, self.size = one, size

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        try:
            return np.asarray(self.one(rng), dtype=float)
        except ModelError:
            return np.full(self.size, np.nan)


def _did_placebo(result: SpatialDiDResult, scheme: str) -> tuple[pd.Series, Any]:
    panel = result._panel
    d = treat_matrix(panel, result.treat)
    if scheme == "regions_and_timing":
        _absorbing(d.to_numpy(), d.index)
    terms = [result.treat, *result.terms]
    estimate = result.model.params[terms].rename("estimate")
    edges = list(result.rings_km) if result.rings_km is not None else None

    def one(rng: np.random.Generator) -> np.ndarray:
        new = pd.DataFrame(_reassign_matrix(d.to_numpy(), scheme, rng), index=d.index, columns=d.columns)
        fit = fit_did(
            panel,
            result.y_name,
            result.treat,
            new,
            w=result._w,
            edges=edges,
            dist=result._dist,
            controls=result.controls,
            fixed_effects=result.model.fixed_effects,  # type: ignore[arg-type]
            cluster=result.model.cluster,
            placebo=True,
        )
        return fit.main.params[[fit.treat, *fit.exposures]].to_numpy()

    return estimate, one


def _event_placebo(result: EventStudyResult, scheme: str) -> tuple[pd.Series, Any]:
    panel = result._panel
    g = adoption_times(panel, result.treat_time)
    estimate = pd.Series({"att": result.att}, name="estimate")
    lo, hi = result.window

    def one(rng: np.random.Generator) -> np.ndarray:
        new = pd.Series(_reassign_times(g.to_numpy(dtype=float), scheme, rng), index=g.index)
        fit = event_estimates(
            panel,
            result.y_name,
            new,
            window=(lo, hi),
            method=result.method,
            controls=result.controls,
            cluster=result.cluster,
            w=result._w,
            control=result.control,
        )
        post = [k for k in fit.params.index if k != "exposure" and k >= 0]
        return np.array([fit.params[post].mean()])

    return estimate, one
