"""The estimation sample: model variables taken from a SpatialPanel, rows with missing values dropped and
reported, fixed-effect and cluster codes built once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from spillover import options
from spillover._names import check_reserved
from spillover.errors import FewClustersWarning, ModelError, format_items
from spillover.options import FixedEffects, Inference, StandardErrors, check_option
from spillover.panel import SpatialPanel, check_finite
from spillover.panel_models._conley import Conley, conley, conley_meat
from spillover.panel_models._within import Absorber, group_codes, vcov_cluster, vcov_iid

__all__ = [
    "Effects",
    "FixedEffects",
    "Cluster",
    "Inference",
    "Sample",
    "DroppedRows",
    "prepare",
    "subsample",
    "lag",
    "check_clusters",
    "check_backend_rows",
    "covariance",
    "with_se",
    "StandardErrors",
    "FEW_CLUSTERS",
]

#: Below this many clusters, cluster-robust t tests over-reject (Cameron, Gelbach and Miller 2008; Cameron
#: and Miller 2015 put the threshold between 20 and 50): a FewClustersWarning offers the wild bootstrap.
FEW_CLUSTERS = 20

Effects = FixedEffects  # the old name, kept for imports
Cluster = str | None  # "unit", "time", "twoway", a column of the panel, or None / "none" (iid errors)


@dataclass(frozen=True)
class DroppedRows:
    """Rows of the panel left out of the estimation because a model variable is missing there.

    Attributes
    ----------
    cells
        The (region, period) pairs dropped.
    n_total
        Rows of the panel before dropping.
    """

    cells: pd.MultiIndex
    n_total: int

    @property
    def n(self) -> int:
        """Number of dropped rows."""
        return len(self.cells)

    @property
    def by_period(self) -> pd.Series:
        """Dropped rows per period (periods with none left out)."""
        return pd.Series(self.cells.get_level_values(1)).value_counts(sort=False).sort_index()

    @property
    def by_region(self) -> pd.Series:
        """Dropped rows per region (regions with none left out)."""
        return pd.Series(self.cells.get_level_values(0)).value_counts(sort=False).sort_index()

    def describe(self) -> str:
        """One line: how many rows and which regions/periods."""
        if not self.n:
            return "no rows dropped"
        per = self.by_period
        periods = ", ".join(f"{p} ({c})" for p, c in per.head(6).items()) + (
            f" (and {len(per) - 6} more)" if len(per) > 6 else ""
        )
        return (
            f"{self.n} of {self.n_total} rows dropped for missing values: periods (rows) {periods}; "
            f"regions {format_items(self.by_region.index.tolist(), 6)}"
        )

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Sample:
    """Complete rows of the model variables with their fixed-effect and cluster codes."""

    frame: pd.DataFrame  # indexed by (id, period), model columns only, no missing values
    unit: np.ndarray
    time: np.ndarray
    n_units: int
    n_times: int
    fixed_effects: str
    cluster: str | None
    clusters: list[tuple[np.ndarray, int]] = field(repr=False)
    dropped: DroppedRows = field(repr=False)
    label: str = ""  # what this sample is, for messages (e.g. "subsample 'east' of 'region4'")
    conley: Conley | None = field(default=None, repr=False)  # se="conley": points and options

    @property
    def nobs(self) -> int:
        return len(self.frame)

    @property
    def n_clusters(self) -> int | None:
        """Number of clusters G (the smaller dimension with two-way clustering); None without clusters."""
        return min(g for _, g in self.clusters) if self.clusters else None

    def absorber(self) -> Absorber:
        """Projection of this sample's fixed effects."""
        codes = {"twoway": (self.unit, self.time), "unit": (self.unit,), "time": (self.time,), "none": ()}
        return Absorber(codes[self.fixed_effects])

    def nested(self) -> tuple[bool, ...]:
        """For each set of absorbed effects, whether it is nested within a cluster dimension."""
        sets = {"twoway": ("unit", "time"), "unit": ("unit",), "time": ("time",), "none": ()}[
            self.fixed_effects
        ]
        dims = {"unit": {"unit"}, "time": {"time"}, "twoway": {"unit", "time"}}.get(self.cluster or "", set())
        if self.cluster not in (None, "unit", "time", "twoway"):
            dims = set(self._nested_in_column())
        return tuple(s in dims for s in sets)

    def _nested_in_column(self) -> list[str]:
        codes, _ = self.clusters[0]
        out = []
        for name, fe in (("unit", self.unit), ("time", self.time)):
            per_level = pd.Series(codes).groupby(fe).nunique()
            if (per_level == 1).all():
                out.append(name)
        return out

    def absorbed_df(self) -> int:
        """Absorbed degrees of freedom counted in K (effects nested within clusters excluded)."""
        return self.absorber().degrees_of_freedom(self.nested())

    def column(self, name: str) -> np.ndarray:
        return self.frame[name].to_numpy(dtype=float)

    def matrix(self, names: Sequence[str]) -> np.ndarray:
        return self.frame[list(names)].to_numpy(dtype=float).reshape(self.nobs, len(names))


def _level_codes(index: pd.MultiIndex, level: int) -> tuple[np.ndarray, int]:
    """Codes 0..G-1 of the values present in one level of a MultiIndex (O(n), no sorting)."""
    codes = np.array(index.codes[level], dtype=np.int64)  # a copy: never the index's own array
    present = np.bincount(codes, minlength=len(index.levels[level])) > 0
    if present.all():  # every level value occurs (a balanced panel): the codes are already 0..G-1
        return codes, len(present)
    remap = np.cumsum(present) - 1
    return remap[codes], int(present.sum())


def subsample(sample: Sample, mask: np.ndarray, label: str = "") -> Sample:
    """The rows of ``sample`` where ``mask`` holds, with fixed-effect and cluster codes rebuilt."""
    frame = sample.frame[mask]
    unit, n_units = _level_codes(frame.index, 0)
    time, n_times = _level_codes(frame.index, 1)
    clusters = []
    for codes, _ in sample.clusters:
        sub, g = group_codes(codes[mask])
        clusters.append((sub, g))
    return Sample(
        frame,
        unit,
        time,
        n_units,
        n_times,
        sample.fixed_effects,
        sample.cluster,
        clusters,
        sample.dropped,
        label,
    )


_CLUSTER_WORDS = {"unit": "regions", "time": "periods", "twoway": "regions and periods (the smaller count)"}


def check_clusters(sample: Sample, n_coef: int, *, warn: bool = True) -> None:
    """Refuse cluster-robust inference on G <= ``n_coef`` clusters; warn when G < :data:`FEW_CLUSTERS`.

    The clustered score covariance ``sum_g s_g s_g'`` has rank at most G - 1 (the scores sum to zero), so
    with no more clusters than coefficients the covariance is singular: standard errors come out as 0 or
    meaningless and every Wald test built on them is undefined.
    """
    g = sample.n_clusters
    if g is None:
        return
    where = f"{sample.label}: " if sample.label else ""
    by = _CLUSTER_WORDS.get(str(sample.cluster), f"values of {sample.cluster!r}")
    if g <= n_coef:
        raise ModelError(
            f"{where}cluster-robust inference needs more clusters than coefficients, but there are {g} "
            f"clusters ({by}) for {n_coef} coefficients: the clustered covariance is singular and its standard "
            "errors and tests are undefined. Use fewer regressors, merge small groups, cluster on a coarser "
            "grouping with more clusters, or pass cluster=None (iid errors)."
        )
    if warn and g < FEW_CLUSTERS:
        options.warn(
            f"{where}only {g} clusters ({by}): cluster-robust t tests over-reject with fewer than "
            f"{FEW_CLUSTERS} clusters. Consider wild cluster bootstrap p-values (inference='wild', draws=999, "
            "seed=0 in fixed_effects and heterogeneity).",
            FewClustersWarning,
        )


def check_backend_rows(used: int, passed: int, backend: str) -> None:
    """Fail loudly if an estimation backend used other rows than the sample it was given: :func:`prepare`
    alone decides (and reports) which rows a model uses; a backend must never drop rows on its own."""
    if used != passed:
        raise RuntimeError(
            f"internal error: {backend} estimated on {used} rows but was given {passed}; please report this."
        )


def covariance(
    sample: Sample, xmat: np.ndarray, resid: np.ndarray, bread: np.ndarray, k: int
) -> tuple[np.ndarray, int, int | None]:
    """The covariance of every panel model fitted with numpy (FE, IV, Chow): CR1 clustered as the sample
    says (checked by :func:`check_clusters`) or classical iid; with the t degrees of freedom and G.

    ``xmat`` holds the regressors the scores are built from (the second-stage ones for IV) and ``k`` counts
    them and the absorbed fixed effects (the small-sample factor's K).  With ``se="conley"`` (the sample's
    :attr:`Sample.conley`): ``N/(N-K) bread meat bread`` with the Conley meat of the scores and t(N-K).
    """
    if sample.conley is not None:
        c, n = sample.conley, sample.nobs
        meat = conley_meat(
            xmat * resid[:, None],
            c.xyz,
            sample.unit,
            sample.time,
            cutoff_km=c.cutoff_km,
            kernel=c.kernel,
            lag=c.lag,
        )
        return n / (n - k) * bread @ meat @ bread, n - k, None
    if not sample.clusters:
        return vcov_iid(bread, resid, k), sample.nobs - k, None
    check_clusters(sample, xmat.shape[1])
    cov, g = vcov_cluster(bread, xmat * resid[:, None], sample.clusters, k)
    return cov, g - 1, g


def with_se(
    sample: Sample,
    panel: SpatialPanel,
    *,
    se: str = "cluster",
    cutoff_km: float | None = None,
    coords: tuple[str, str] | None = None,
    kernel: str = "bartlett",
    lag: int = 0,
) -> Sample:
    """The sample with the standard errors asked for: unchanged for ``se="cluster"`` (``cluster=`` decides),
    no clusters and the Conley points and options for ``se="conley"``; errors for options that do not apply."""
    check_option(se, StandardErrors, "se", error=ModelError)
    if se == "cluster":
        given = [
            name
            for name, value, default in (
                ("cutoff_km", cutoff_km, None),
                ("coords", coords, None),
                ("kernel", kernel, "bartlett"),
                ("lag", lag, 0),
            )
            if value != default
        ]
        if given:
            raise ModelError(f"{format_items(given)} apply only to Conley standard errors; pass se='conley'.")
        return sample
    if sample.cluster not in (None, "unit"):
        raise ModelError(
            f"cluster={sample.cluster!r} does not apply with se='conley' (the Conley covariance replaces "
            "clustering); leave cluster= out."
        )
    spec = conley(panel, sample.frame.index, cutoff_km=cutoff_km, coords=coords, kernel=kernel, lag=lag)
    return replace(sample, cluster=None, clusters=[], conley=spec)


def _numeric(data: pd.DataFrame, name: str, variables: list[str]) -> pd.Series:
    if name not in data.columns:
        raise ModelError(
            f"variable {name!r} is not in the panel; its variables are {format_items(variables)}."
        )
    col = data[name]
    if col.dtype == np.float64:  # the usual case: no conversion, no copy
        return check_finite(
            col,
            name,
            error=ModelError,
            hint="fix them, or set them to missing (NaN) to have those rows dropped and reported.",
        )
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    converted = pd.to_numeric(col, errors="coerce")
    bad = col[converted.isna() & col.notna()]
    if len(bad):
        cells = [f"{i}/{t}: {v!r}" for (i, t), v in bad.head(5).items()]
        raise ModelError(f"variable {name!r} is not numeric at (region/period) {', '.join(cells)}.")
    return check_finite(
        converted.astype(float),
        name,
        error=ModelError,
        hint="fix them, or set them to missing (NaN) to have those rows dropped and reported.",
    )


def prepare(
    panel: SpatialPanel,
    variables: Sequence[str],
    *,
    fixed_effects: str = "twoway",
    cluster: Cluster = "unit",
    keep: Sequence[str] = (),
) -> Sample:
    """Complete-case sample of ``variables`` (``keep``: extra columns carried along, e.g. groups).

    ``variables[0]`` is the dependent variable; the others get coefficient labels and are checked against
    the labels the models generate (:func:`spillover._names.check_reserved`, shared with the spatial models).
    Raises :class:`~spillover.errors.ModelError` naming a variable that is not in the panel, is not
    numeric, is infinite somewhere, is listed twice or has a reserved name, or when no rows are left.
    """
    if not isinstance(panel, SpatialPanel):
        raise ModelError(f"panel must be a spillover.SpatialPanel, got {type(panel).__name__}.")
    check_option(fixed_effects, FixedEffects, "fixed_effects", error=ModelError)
    cluster = None if cluster == "none" else cluster  # "none" as in study files: classical iid errors
    variables = list(variables)
    dup = sorted({v for v in variables if variables.count(v) > 1})
    if dup:
        raise ModelError(f"variable(s) {format_items(dup)} are listed more than once in the model.")
    check_reserved(variables[1:])
    names = panel.variables
    extra = _cluster_columns(cluster, panel) + [k for k in keep if k not in variables]
    # only the columns used, not panel.data (a deep copy of every column); no copies of the model
    # columns either when no row is dropped: pyfixest reads them as they are
    data = panel.select(c for c in dict.fromkeys([*variables, *extra]) if c in names)
    frame = pd.DataFrame({v: _numeric(data, v, names) for v in variables}, index=data.index, copy=False)
    for col in extra:
        if col not in names:
            raise ModelError(f"column {col!r} is not in the panel; its variables are {format_items(names)}.")
    missing = np.zeros(len(frame), dtype=bool)
    for col in [*variables, *extra]:  # column by column: no n x k copy of the values
        missing |= (frame[col] if col in frame else data[col]).isna().to_numpy()
    complete = ~missing
    dropped = DroppedRows(frame.index[~complete], len(frame))
    if not complete.all():
        frame = frame[complete]
    if not len(frame):
        raise ModelError(f"no complete rows are left for the variables {format_items(variables)}.")
    for col in extra:
        frame[col] = data[col].array[complete]  # the column's dtype kept
    unit, n_units = _level_codes(frame.index, 0)
    time, n_times = _level_codes(frame.index, 1)
    clusters = _cluster_codes(cluster, frame, unit, n_units, time, n_times)
    return Sample(frame, unit, time, n_units, n_times, fixed_effects, cluster, clusters, dropped)


def _cluster_columns(cluster: Cluster, panel: SpatialPanel) -> list[str]:
    if cluster in (None, "unit", "time", "twoway"):
        return []
    if not isinstance(cluster, str):
        raise ModelError(f"cluster must be 'unit', 'time', 'twoway', a column name or None, got {cluster!r}.")
    return [cluster]


def _cluster_codes(
    cluster: Cluster, frame: pd.DataFrame, unit: np.ndarray, n_units: int, time: np.ndarray, n_times: int
) -> list[tuple[np.ndarray, int]]:
    if cluster is None:
        return []
    out = {
        "unit": [(unit, n_units)],
        "time": [(time, n_times)],
        "twoway": [(unit, n_units), (time, n_times)],
    }.get(cluster)
    if out is None:
        codes, g = group_codes(frame[cluster].astype(str).to_numpy())
        out = [(codes, g)]
    for _, g in out:
        if g < 2:
            raise ModelError(
                f"cluster {cluster!r} has only {g} group in the sample; clustering needs at least 2."
            )
    return out


def lag(
    panel: SpatialPanel, variables: str | Sequence[str], periods: int = 1, *, prefix: str = "L{k}."
) -> SpatialPanel:
    """A new panel with time lags ``L1.x`` of ``variables`` (missing in each region's first period).

    The lag of period t is the value of the previous period in the panel's sorted periods, so the first
    ``periods`` periods have no lag; models drop those rows and report them.

    Examples
    --------
    >>> import spillover as so
    >>> p = lag(so.datasets.us_states(), "ln_pcap")
    >>> p.data["L1.ln_pcap"].isna().sum()
    np.int64(48)
    """
    variables = [variables] if isinstance(variables, str) else list(variables)
    if periods < 1:
        raise ModelError(f"periods must be a positive number of periods, got {periods}.")
    data = panel.data
    out = {}
    for var in variables:
        if var not in data.columns:
            raise ModelError(
                f"variable {var!r} is not in the panel; its variables are {format_items(panel.variables)}."
            )
        out[prefix.format(k=periods) + var] = data[var].groupby(level=0, sort=False).shift(periods)
    return panel.with_data(pd.DataFrame(out))
