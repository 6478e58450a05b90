"""Subsample heterogeneity: the same fixed-effects model per group, and three tests that slopes differ.

* Interaction (Chow) test: one pooled regression with every slope interacted with the group dummies and
  the period effects specific to each group (region effects are already group-specific when groups are
  sets of regions), so that the pooled slopes equal the subsample slopes; Wald F test of equal slopes
  with the pooled CR1 covariance.
* Stacked (SUR-style) Wald test, as Stata's ``suest``: the subsample estimates are stacked and their joint
  covariance is the cluster-robust sandwich of the stacked influence functions (clusters summed across
  groups, factor G/(G-1)); chi2 test of equal slopes.
* Fisher permutation test, as Stata's ``bdiff``: group labels are permuted (across regions when the groups
  are sets of regions, else across observations), seeded, and the p-value is the share of permutations
  with a difference at least as large, ``(1 + #) / (1 + R)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from spillover._parallel import map_draws
from spillover._readonly import ReadOnly
from spillover.errors import ModelError, UnknownRegionError, format_items
from spillover.options import Progress, ResampleBackend, renamed
from spillover.panel import SpatialPanel
from spillover.panel_models._bootstrap import ProgressFn
from spillover.panel_models._data import (
    Cluster,
    FixedEffects,
    Inference,
    Sample,
    check_clusters,
    prepare,
    subsample,
)
from spillover.panel_models._results import PanelResults
from spillover.panel_models._within import group_codes, ols, score_cov
from spillover.panel_models.fe import as_list, design, fit_arrays, fit_sample
from spillover.summary import Summary

__all__ = ["heterogeneity", "HeterogeneityResults", "group_labels"]

_GROUP = "__group__"


def group_labels(panel: SpatialPanel, by: str) -> pd.Series:
    """Group of each (region, period) row: a column of the panel, or the registry's ``"region4"``
    (NBS four regions) or ``"cluster"`` (advanced-manufacturing cluster provinces) for Chinese provinces."""
    if by in panel.variables:
        return panel.data[by].rename(_GROUP)
    if by not in ("region4", "cluster"):
        raise ModelError(
            f"by={by!r} is not a column of the panel (its variables are "
            f"{format_items(panel.variables)}) nor a registry group ('region4', 'cluster')."
        )
    from spillover import regions

    try:
        ids = regions.normalize(list(panel.ids))
    except UnknownRegionError as err:
        raise ModelError(
            f"by={by!r} takes the groups from China's province registry, but the panel's regions "
            f"are not provinces ({err}). Give a column of the panel instead."
        ) from None
    reg = regions.registry(include_sar_taiwan=True).loc[ids]
    labels = (
        reg["region4"] if by == "region4" else reg["cluster"].map({True: "cluster", False: "non-cluster"})
    )
    by_id = pd.Series(labels.to_numpy(), index=panel.ids)
    return pd.Series(
        by_id.reindex(panel.data.index.get_level_values(0)).to_numpy(), index=panel.data.index, name=_GROUP
    )


@dataclass(frozen=True)
class HeterogeneityResults(ReadOnly):
    """Result of :func:`heterogeneity` (read-only).

    Attributes
    ----------
    groups
        The fixed-effects regression of each subsample (:class:`PanelResults`), in group order.
    chow, suest, permutation
        Tests that the slopes are equal across groups: one row per regressor and a ``"joint"`` row (the
        permutation test has per-regressor rows only).
    """

    by: str
    groups: dict[str, PanelResults]
    chow: pd.DataFrame
    suest: pd.DataFrame
    permutation: pd.DataFrame
    permutations: int
    seed: int | None
    unit: str = field(default="regions")

    def coefficients(self) -> pd.DataFrame:
        """Slopes per group (rows) and regressor (columns)."""
        return pd.DataFrame({g: r.params for g, r in self.groups.items()}).T

    def to_frame(self) -> pd.DataFrame:
        """Estimates, standard errors and p-values per (group, regressor)."""
        return pd.concat({g: r.to_frame() for g, r in self.groups.items()}, names=["group", "coefficient"])

    def summary(self) -> Summary:
        """Report: the regression of every group, and the tests of equal slopes."""
        captions = (
            "Regression per group",
            "Interaction (Chow) test of equal slopes",
            "Stacked (suest) Wald test",
            f"Fisher permutation test ({self.permutations} permutations of group labels across "
            f"{self.unit}, seed {self.seed})",
        )
        return Summary(
            f"Heterogeneity by {self.by}: {len(self.groups)} groups",
            (self.to_frame(), self.chow, self.suest, self.permutation),
            captions=captions,
        )

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


@renamed(effects="fixed_effects")
def heterogeneity(
    panel: SpatialPanel,
    y: str,
    x: str | Sequence[str],
    *,
    by: str,
    fixed_effects: FixedEffects = "twoway",
    cluster: Cluster = "unit",
    permutations: int = 1000,
    seed: int | None = 0,
    progress: Progress = False,
    inference: Inference = "cluster",
    draws: int = 999,
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> HeterogeneityResults:
    """The fixed-effects model per subsample, with Chow, suest-style and permutation tests of differences.

    Parameters
    ----------
    panel, y, x, fixed_effects, cluster
        As in :func:`~spillover.panel_models.fixed_effects`.
    by
        A column of the panel defining the groups, or ``"region4"`` / ``"cluster"`` (registry groups of
        Chinese provinces).  Rows without a group are dropped like rows with missing values.
    permutations, seed
        Fisher permutation test (0 to skip); permutation ``k`` draws with ``numpy.random.default_rng`` of
        child ``k`` of ``numpy.random.SeedSequence(seed)``.
    backend, n_jobs, client
        Where the permutations run, as in :func:`~spillover.panel_models.mediation` (identical results on
        every backend).
    progress
        As in :func:`~spillover.panel_models.mediation`.
    inference, draws
        As in :func:`~spillover.panel_models.fixed_effects`, for the p-values of each group's regression
        (``"wild"``: wild cluster bootstrap with ``draws`` draws and ``seed``); the Chow and stacked Wald tests
        stay analytic.  Each group needs more clusters than slopes (else a ModelError naming the group).

    Examples
    --------
    >>> import spillover as so
    >>> panel = so.datasets.us_states()
    >>> big = (panel.data["emp"].groupby(level=0).transform("mean") > 1000).map({True: "large", False: "small"})
    >>> res = heterogeneity(panel.with_data(big.rename("size")), "ln_gsp", ["ln_pcap", "ln_emp"], by="size",
    ...                     permutations=50, progress=False)
    >>> list(res.groups), list(res.chow.index)
    (['large', 'small'], ['ln_pcap', 'ln_emp', 'joint'])
    """
    x = as_list(x, "x")
    if not x:
        raise ModelError("heterogeneity needs at least one regressor in x.")
    labels = group_labels(panel, by)
    panel2 = panel.with_data(
        labels.astype(object).where(labels.notna(), None).map(lambda v: None if v is None else str(v))
    )
    sample = prepare(panel2, [y, *x], fixed_effects=fixed_effects, cluster=cluster, keep=[_GROUP])
    names = sorted(sample.frame[_GROUP].unique(), key=str)
    if len(names) < 2:
        raise ModelError(
            f"by={by!r} defines only {len(names)} group in the sample ({format_items(names)}); "
            "heterogeneity needs at least two."
        )
    subs = {g: _checked_subsample(sample, g, by, x) for g in names}
    fits = {g: fit_sample(s, y, x, inference=inference, draws=draws, seed=seed) for g, s in subs.items()}
    chow = _chow(sample, y, x, names)
    suest = _suest(sample, subs, y, x)
    region_level = bool((sample.frame[_GROUP].groupby(level=0).nunique() == 1).all())
    perm = _permutation(
        sample, y, x, names, fits, permutations, seed, region_level, progress, backend, client, n_jobs
    )
    return HeterogeneityResults(
        by, fits, chow, suest, perm, permutations, seed, "regions" if region_level else "observations"
    )


def _checked_subsample(sample: Sample, group: str, by: str, x: list[str]) -> Sample:
    sub = subsample(sample, (sample.frame[_GROUP] == group).to_numpy(), f"subsample {group!r} of {by!r}")
    need = len(x) + sub.absorbed_df() + 1
    if sub.nobs <= need:
        raise ModelError(
            f"subsample {group!r} of {by!r} is too small to estimate: {sub.nobs} observations in "
            f"{sub.n_units} region(s) for {len(x)} slope(s) and {sub.absorbed_df()} fixed effects. "
            "Merge it with another group or drop it."
        )
    return sub


def _contrasts(k: int, n_groups: int) -> list[np.ndarray]:
    """For each regressor, the contrasts 'slope in group g minus slope in the first group'."""
    out = []
    for j in range(k):
        r = np.zeros((n_groups - 1, k * n_groups))
        r[:, j] = -1.0
        for g in range(1, n_groups):
            r[g - 1, g * k + j] = 1.0
        out.append(r)
    return out


def _test_frame(b: np.ndarray, v: np.ndarray, x: list[str], n_groups: int, df2: int | None) -> pd.DataFrame:
    """Wald tests of equal slopes per regressor and jointly: F(q, df2), or chi2(q) when df2 is None."""
    parts = _contrasts(len(x), n_groups)
    recs = {}
    for name, r in [*zip(x, parts), ("joint", np.vstack(parts))]:
        d = r @ b
        w, q = float(d @ np.linalg.solve(r @ v @ r.T, d)), len(d)
        if df2 is None:
            recs[name] = [w, q, float(stats.chi2.sf(w, q))]
        else:
            recs[name] = [w / q, q, df2, float(stats.f.sf(w / q, q, df2))]
    cols = ["chi2", "df", "p"] if df2 is None else ["F", "df1", "df2", "p"]
    return pd.DataFrame.from_dict(recs, orient="index", columns=cols)


def _chow(sample: Sample, y: str, x: list[str], names: list[str]) -> pd.DataFrame:
    """Pooled regression with group-specific slopes (and group-specific period effects)."""
    grp, n_g = group_codes(sample.frame[_GROUP].to_numpy())
    raw = sample.matrix(x)
    inter = np.zeros((sample.nobs, len(x) * n_g))
    for g in range(n_g):
        inter[grp == g, g * len(x) : (g + 1) * len(x)] = raw[grp == g]
    cols = [f"{v}:{g}" for g in names for v in x]
    frame = pd.DataFrame(inter, index=sample.frame.index, columns=cols)
    frame[y] = sample.column(y)
    time = sample.time
    if sample.fixed_effects in ("twoway", "time"):
        time, _ = group_codes(sample.time * n_g + grp)
    pooled = Sample(
        frame,
        sample.unit,
        time,
        sample.n_units,
        int(time.max()) + 1,
        sample.fixed_effects,
        sample.cluster,
        sample.clusters,
        sample.dropped,
    )
    yt, xt, _ = design(pooled, y, cols)
    if sample.fixed_effects == "none":  # group-specific intercepts
        dummies = (grp[:, None] == np.arange(n_g)[None, :]).astype(float)
        xt = np.column_stack([xt[:, :-1], dummies])
    fit = fit_arrays(pooled, yt, xt, sample.column(y))
    k = len(cols)
    return _test_frame(fit.beta[:k], fit.cov[:k, :k], x, n_g, fit.df_resid)


def _suest(sample: Sample, subs: dict[str, Sample], y: str, x: list[str]) -> pd.DataFrame:
    """Stacked estimates with the cluster-robust covariance of the stacked influence functions."""
    k, n_g = len(x), len(subs)
    infl = np.zeros((sample.nobs, k * n_g))
    betas = []
    grp = sample.frame[_GROUP].to_numpy()
    for g, (name, sub) in enumerate(subs.items()):
        yt, xt, _ = design(sub, y, x)
        beta, resid, bread = ols(xt, yt)
        betas.append(beta[:k])
        rows = np.flatnonzero(grp == name)
        infl[rows, g * k : (g + 1) * k] = ((xt * resid[:, None]) @ bread)[:, :k]
    if sample.clusters:
        check_clusters(sample, infl.shape[1])
    meat, n_cl = score_cov(infl, sample.clusters)
    v = n_cl / (n_cl - 1) * meat
    return _test_frame(np.concatenate(betas), v, x, n_g, None)


def _permutation(
    sample: Sample,
    y: str,
    x: list[str],
    names: list[str],
    fits: dict[str, PanelResults],
    permutations: int,
    seed: int | None,
    region_level: bool,
    progress: bool | ProgressFn | None,
    backend: ResampleBackend = "serial",
    client: Any = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    if permutations <= 0:
        return pd.DataFrame(columns=["statistic", "p"])
    observed = _spread(np.array([fits[g].params[x].to_numpy() for g in names]))
    labels = sample.frame[_GROUP].to_numpy()
    per_region = pd.Series(labels).groupby(sample.unit).first().to_numpy() if region_level else None
    one = _PermutedSpread(sample, y, x, names, labels, per_region)
    stats_ = map_draws(
        one,
        permutations,
        seed,
        backend=backend,
        client=client,
        n_jobs=n_jobs,
        progress=progress,
        label="permutation test",
        error=ModelError,
    )
    ok = np.isfinite(stats_).all(axis=1)
    hits = (stats_[ok] >= observed - 1e-12 * np.abs(observed)).sum(axis=0)
    done = int(ok.sum())
    p = (1 + hits) / (1 + done)
    label = "difference" if len(names) == 2 else "spread"
    return pd.DataFrame({label: _signed(fits, names, x), "p": p}, index=x)


class _PermutedSpread:
    """One permutation (its own generator): the spread of the group slopes under permuted labels, NaN when a
    permuted group cannot be fitted.  A class so the process and Dask backends can ship it."""

    def __init__(
        self,
        sample: Sample,
        y: str,
        x: list[str],
        names: list[str],
        labels: np.ndarray,
        per_region: np.ndarray | None,
    ) -> None:
        self.sample, self.y, self.x, self.names = sample, y, x, names
        self.labels, self.per_region = labels, per_region

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        if self.per_region is not None:
            perm = self.per_region[rng.permutation(len(self.per_region))][self.sample.unit]
        else:
            perm = rng.permutation(self.labels)
        stat = _permuted_spread(self.sample, self.y, self.x, self.names, perm)
        return np.full(len(self.x), np.nan) if stat is None else stat


def _signed(fits: dict[str, PanelResults], names: list[str], x: list[str]) -> np.ndarray:
    if len(names) == 2:
        return (fits[names[1]].params[x] - fits[names[0]].params[x]).to_numpy()
    return _spread(np.array([fits[g].params[x].to_numpy() for g in names]))


def _spread(b: np.ndarray) -> np.ndarray:
    """|b_2 - b_1| for two groups; the sum of squared deviations from the mean slope for more."""
    if b.shape[0] == 2:
        return np.abs(b[1] - b[0])
    return ((b - b.mean(axis=0)) ** 2).sum(axis=0)


def _permuted_spread(
    sample: Sample, y: str, x: list[str], names: list[str], perm: np.ndarray
) -> np.ndarray | None:
    betas = []
    for g in names:
        sub = subsample(sample, perm == g)
        yt, xt, _ = design(sub, y, x)
        try:
            beta = np.linalg.solve(xt.T @ xt, xt.T @ yt)
        except np.linalg.LinAlgError:
            return None
        betas.append(beta[: len(x)])
    return _spread(np.array(betas))
