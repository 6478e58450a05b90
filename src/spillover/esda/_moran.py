"""Exploratory spatial data analysis of a regional panel: Moran's I and Geary's C per period, LISA.

Papers in regional economics report a table of global Moran's I for every year of the panel, a Moran
scatter plot and LISA cluster maps.  The statistics are computed by :mod:`esda` (PySAL); this module feeds it
one cross-section at a time, with the weights aligned to the panel's regions, checks the data first (a region
with no value or a variable without variance is an error that names them), and makes every random
permutation reproducible without touching NumPy's global random state.

Definitions (Cliff and Ord 1981; Anselin 1995), with ``z = y - mean(y)`` in one period, ``W`` the
(transformed) weights and ``S0`` the sum of all weights:

* Moran's I: ``I = n / S0 * (z' W z) / (z' z)``, ``E[I] = -1 / (n - 1)``.
* Geary's C: ``C = (n - 1) * sum_ij w_ij (y_i - y_j)^2 / (2 * S0 * z' z)``, ``E[C] = 1``.
* Local Moran: ``I_i = z_i / m2 * sum_j w_ij z_j`` with ``m2 = z' z / (n - 1)`` (esda's convention).

Variances are those of esda: the moments of I and C under the normality and the randomisation assumptions
of Cliff and Ord (1981, ch. 1-2).  p-values of the normal approximations are two-sided.  The permutation
pseudo p-value follows esda's convention ``(min(M, P - M) + 1) / (P + 1)`` where ``M`` is the number of the
``P`` permuted statistics at least as large as the observed one.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import sparse, stats

from spillover._readonly import ReadOnly
from spillover.errors import PanelError, SpilloverError, WeightsError, format_items
from spillover.options import ResampleBackend, check_int, check_option, check_probability
from spillover.panel import SpatialPanel, check_finite
from spillover.summary import Summary

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas as gpd
    from libpysal.graph import Graph

__all__ = [
    "moran_by_period",
    "geary_by_period",
    "local_moran",
    "local_moran_by_period",
    "lisa_period_seed",
    "LocalMoranResult",
    "moran_scatter_data",
    "MoranScatter",
    "LISA_COLORS",
]

Transform = Literal["r", "b", "d", "v"]
LabelMode = Literal["significant", "extreme", "all", "none"]
_TRANSFORMS: tuple[str, ...] = get_args(Transform)
_LABEL_MODES: tuple[str, ...] = get_args(LabelMode)

#: Quadrant codes of esda's Moran_Local (``q``) and their labels.
_QUADRANTS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
NOT_SIGNIFICANT = "Not significant"
#: LISA cluster colours, GeoDa's palette (also :data:`spillover.maps.LISA_COLORS`): High-High red, Low-Low blue,
#: Low-High light blue, High-Low light red, not significant light grey.
LISA_COLORS: dict[str, str] = {
    "High-High": "#FF0000",
    "Low-Low": "#0000FF",
    "Low-High": "#9696FF",
    "High-Low": "#FF9696",
    NOT_SIGNIFICANT: "#F0F0F0",
}
_MAX_SEED = 2**31 - 1  # numba's np.random.seed takes a 32-bit seed
#: Aligned weights by (id(Graph), id(panel), transform): weak references to both, the Graph and its CSR matrix.
_ALIGNED: OrderedDict[
    tuple[int, int, str], tuple[weakref.ref[Any], weakref.ref[Any], Graph, sparse.csr_array]
] = OrderedDict()
_ALIGNED_SIZE = 8
_PERMUTATION_BLOCK = 256  # permutations evaluated together; bounds memory at ~256 * n floats


# ---------------------------------------------------------------------- public: global statistics
def moran_by_period(
    panel: SpatialPanel,
    var: str | Sequence[str],
    w: Any,
    *,
    permutations: int = 999,
    seed: int = 0,
    transform: Transform = "r",
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Global Moran's I of ``var`` in every period of the panel.

    ``I = n / S0 * z'Wz / z'z`` with ``z`` the deviations from the period mean (Moran 1950; Cliff and Ord
    1981).  The analytical moments come from :class:`esda.Moran`.

    Parameters
    ----------
    panel
        The panel; ``var`` must be numeric with no missing value.
    var
        Variable to test, or a list of variables (the table is then indexed by (variable, period)).
    w
        Spatial weights (:class:`libpysal.graph.Graph`, :class:`libpysal.weights.W`, or a square frame)
        whose ids are exactly the panel's regions; they are reordered to the panel's order.
    permutations
        Number of random permutations for the pseudo p-value (0 for none: ``p_sim`` is NaN).
    seed
        Seed of the permutations; the same seed gives the same ``p_sim``.
    transform
        Weights transformation: ``"r"`` row-standardised (default), ``"b"`` binary, ``"d"`` doubly
        standardised, ``"v"`` variance stabilising.
    backend, n_jobs, client
        Where the periods run (:data:`spillover.options.ResampleBackend`): ``"serial"`` (default), a pool of
        ``n_jobs`` processes, or Dask (``client=``, the active client, or a ``LocalCluster`` of ``n_jobs``
        workers).  Each period (and variable) is one task with its own generator, so the table is
        bit-identical whatever the backend and the number of workers.  Each worker process imports esda
        (a few seconds; esda's numba kernels compile per process, 10-40 s, where they are used): worth it
        for many periods of many regions, not for a state panel.

    Returns
    -------
    pandas.DataFrame
        One row per period (indexed by the panel's periods) with columns ``I``, ``E[I]``, ``var_norm``,
        ``z_norm``, ``p_norm``, ``var_rand``, ``z_rand``, ``p_rand``, ``p_sim``.  Period k's permutations
        use the generator ``numpy.random.default_rng([seed, k])``.

    Raises
    ------
    SpilloverError
        If a period has missing values (the regions are named), the variable is constant in a period, or the
        weights do not match the panel's regions.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> table = moran_by_period(panel, "ln_gsp", w, permutations=99, seed=1)
    >>> table.index.name, len(table)
    ('year', 17)
    >>> bool((table["z_norm"] > 0).all())
    True
    """
    return _global_by_period(
        panel, var, w, "moran", permutations, seed, transform, _Runner(backend, n_jobs, client)
    )


def geary_by_period(
    panel: SpatialPanel,
    var: str | Sequence[str],
    w: Any,
    *,
    permutations: int = 999,
    seed: int = 0,
    transform: Transform = "r",
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Geary's C of ``var`` in every period of the panel.

    ``C = (n - 1) * sum_ij w_ij (y_i - y_j)^2 / (2 * S0 * z'z)`` (Geary 1954); ``C < 1`` indicates positive
    spatial autocorrelation.  The analytical moments come from :class:`esda.Geary`.

    Parameters are those of :func:`moran_by_period`.

    Returns
    -------
    pandas.DataFrame
        One row per period with columns ``C``, ``E[C]``, ``var_norm``, ``z_norm``, ``p_norm``, ``var_rand``,
        ``z_rand``, ``p_rand``, ``p_sim``.  p-values of the normal approximations are two-sided (esda
        itself reports one-sided ones for Geary's C).

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> table = geary_by_period(panel, "ln_gsp", w, permutations=0)
    >>> list(table.columns[:2]), bool((table["C"] < 1).all())
    (['C', 'E[C]'], True)
    """
    return _global_by_period(
        panel, var, w, "geary", permutations, seed, transform, _Runner(backend, n_jobs, client)
    )


# ---------------------------------------------------------------------- public: local Moran
@dataclass(frozen=True)
class LocalMoranResult(ReadOnly):
    """Local Moran's I (LISA) of one variable in one period; read-only.

    Attributes
    ----------
    variable, period
        What was analysed.
    alpha
        Significance level used for the cluster labels.
    permutations, seed
        Conditional permutations behind ``p_sim`` and their seed.
    """

    variable: str
    period: Hashable
    alpha: float
    permutations: int
    seed: int
    _frame: pd.DataFrame = field(repr=False)
    _geometry: gpd.GeoDataFrame | None = field(repr=False, default=None)

    def to_frame(self) -> pd.DataFrame:
        """One row per region (panel order).

        Columns: ``value`` (the variable), ``z`` (its standardised value), ``lag_z`` (spatial lag of ``z``),
        ``Ii`` (local Moran), ``z_sim`` and ``p_sim`` (pseudo p-value from conditional permutations),
        ``quadrant`` (High-High, Low-Low, High-Low, Low-High from the signs of ``z`` and ``lag_z``) and
        ``cluster`` (the quadrant where ``p_sim <= alpha``, otherwise "Not significant").  Regions without
        neighbours (islands) have ``p_sim`` and ``z_sim`` NaN and are never significant.
        """
        return self._frame.copy()

    @property
    def clusters(self) -> pd.Series:
        """Cluster label of each region (the ``cluster`` column)."""
        return self._frame["cluster"].copy()

    def counts(self) -> pd.Series:
        """Number of regions per cluster label, in the conventional order (zeros kept)."""
        order = ["High-High", "Low-Low", "Low-High", "High-Low", NOT_SIGNIFICANT]
        return self._frame["cluster"].value_counts().reindex(order, fill_value=0).rename("regions")

    @property
    def geometry(self) -> gpd.GeoDataFrame | None:
        """The regions' geometry (a copy), if the result came from a panel."""
        return None if self._geometry is None else self._geometry.copy()

    def summary(self) -> Summary:
        """The number of regions per cluster, and the settings (the notebook display)."""
        header = {
            "variable": self.variable,
            "period": self.period,
            "regions": len(self._frame),
            "permutations": self.permutations,
            "seed": self.seed,
            "alpha": self.alpha,
        }
        return Summary(
            f"Local Moran (LISA): {self.variable}, {self.period}",
            (self.counts().to_frame(),),
            header,
            captions=("Regions per cluster",),
        )


def local_moran(
    panel: SpatialPanel,
    var: str,
    w: Any,
    *,
    period: Hashable,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    transform: Transform = "r",
) -> LocalMoranResult:
    """Local Moran's I (Anselin 1995) of ``var`` in one period, with seeded conditional permutations.

    ``I_i = z_i / m2 * sum_j w_ij z_j`` with ``z`` the deviations from the period mean and
    ``m2 = z'z / (n - 1)``, as :class:`esda.Moran_Local` computes it; ``p_sim`` and ``z_sim`` are those of
    ``esda.Moran_Local(..., permutations=permutations, seed=seed)`` (the same draws of esda's conditional
    randomisation), computed in time linear in the number of regions (:mod:`spillover.esda._crand`; a
    million regions with 999 permutations in about 36 s of CPU).  The weights are aligned once per Graph
    and panel.  A region is "High" when its value is above the period mean and its neighbours' are "High"
    when its spatial lag is above zero (esda's quadrants).

    Parameters
    ----------
    panel, var, w, transform
        As in :func:`moran_by_period`.
    period
        The period (cross-section) to analyse.
    permutations
        Conditional permutations per region for ``p_sim`` (at least 1).
    seed
        Seed of the permutations (at most 2**31 - 1, as esda's numba generator takes it).
    alpha
        Regions with ``p_sim <= alpha`` get their quadrant as cluster label, others "Not significant".

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> lisa = local_moran(panel, "ln_gsp", w, period=1986, permutations=99, seed=0)
    >>> lisa.to_frame().columns.tolist()
    ['value', 'z', 'lag_z', 'Ii', 'z_sim', 'p_sim', 'quadrant', 'cluster']
    >>> int(lisa.counts().sum())
    48
    """
    _lisa_checks(permutations, seed, alpha)
    _, wmat = _aligned(w, panel, transform)
    y = _cross_section(panel, var, period)
    frame = _lisa_frame(y, wmat, permutations, seed, alpha)
    return LocalMoranResult(var, period, float(alpha), permutations, seed, frame, panel.geometry)


def _lisa_checks(permutations: int, seed: int, alpha: float) -> None:
    check_int(permutations, "permutations", minimum=1)
    check_int(seed, "seed", minimum=0)
    if seed > _MAX_SEED:
        raise SpilloverError(
            f"seed must be at most {_MAX_SEED} (esda's numba generator takes 32 bits), got {seed}."
        )
    check_probability(alpha, "alpha")


def _lisa_frame(
    y: pd.Series, wmat: sparse.csr_array, permutations: int, seed: int, alpha: float
) -> pd.DataFrame:
    """The frame of :meth:`LocalMoranResult.to_frame` for the cross-section ``y``."""
    from spillover.esda._crand import moran_local_sims

    # esda.Moran_Local's statistic, step by step (the same operations, so the same floats): z standardised
    # with the population sd, I_i = (n - 1) z_i (W z)_i / z'z.  Its conditional randomisation is run by
    # spillover.esda._crand with esda's own permuted ids (same seed, same p_sim): esda's kernel copies the n
    # values once per region (O(n^2); hours at a million regions) and keeps n x permutations draws for z_sim.
    values = y.to_numpy(dtype=float)
    z = values - values.mean()
    z /= values.std()
    lag = wmat @ z
    observed = (values.size - 1) * z * lag / (z * z).sum()
    p_sim, mean_sim, sd_sim = moran_local_sims(z, wmat, observed, permutations, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_sim = (observed - mean_sim) / sd_sim
    return _local_frame(y, z, lag, observed, z_sim, p_sim, wmat, alpha)


def lisa_period_seed(seed: int, k: int) -> int:
    """The seed of period ``k`` (position in the panel) in :func:`local_moran_by_period`: 31 bits of
    ``numpy.random.SeedSequence([seed, k])``, so the periods draw independent permutations and each period's
    draws depend only on ``seed`` and ``k`` (not on the backend, the workers or the other periods).

    >>> lisa_period_seed(0, 1) == lisa_period_seed(0, 1) != lisa_period_seed(0, 2)
    True
    """
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0] >> 1)


@dataclass(frozen=True)
class _PeriodLisa:
    """One period's LISA frame from ``(k, y)``: a picklable task (the weights travel once per worker)."""

    wmat: sparse.csr_array
    permutations: int
    seed: int
    alpha: float

    def __call__(self, item: tuple[int, pd.Series]) -> pd.DataFrame:
        k, y = item
        return _lisa_frame(y, self.wmat, self.permutations, lisa_period_seed(self.seed, k), self.alpha)


def local_moran_by_period(
    panel: SpatialPanel,
    var: str,
    w: Any,
    *,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    transform: Transform = "r",
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Local Moran's I (LISA) of ``var`` in every period of the panel, the periods run in parallel.

    Period ``k`` (position in ``panel.periods``) is exactly
    ``local_moran(panel, var, w, period=p, permutations=permutations, seed=lisa_period_seed(seed, k),
    alpha=alpha, transform=transform)``: each period is one task with its own seed, so the frame is
    bit-identical on every backend and for any number of workers.

    Parameters
    ----------
    panel, var, w, transform
        As in :func:`moran_by_period`.
    permutations, alpha
        As in :func:`local_moran`.
    seed
        Seed of the permutations (at most 2**31 - 1); period ``k`` uses :func:`lisa_period_seed` ``(seed, k)``.
    backend, n_jobs, client
        Where the periods run (:data:`spillover.options.ResampleBackend`): ``"serial"`` (default), a pool of
        ``n_jobs`` processes, or Dask (``client=``, the active client, or a ``LocalCluster`` of ``n_jobs``
        workers), through :func:`spillover._parallel.map_items`.

    Returns
    -------
    pandas.DataFrame
        Indexed by (region, period), with the columns of :meth:`LocalMoranResult.to_frame`.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> lisa = local_moran_by_period(panel, "ln_gsp", w, permutations=99, seed=0)
    >>> lisa.shape, lisa.index.names == [panel.id_name, panel.time_name]
    ((816, 8), True)
    """
    _lisa_checks(permutations, seed, alpha)
    check_option(backend, ResampleBackend, "backend")
    if n_jobs is not None:
        check_int(n_jobs, "n_jobs", minimum=1)
    _, wmat = _aligned(w, panel, transform)
    values = _values(panel, var)  # checked here, in this process: errors name the region and period
    items = [(k, _checked(values[p], var, p)) for k, p in enumerate(panel.periods)]
    frames = _Runner(backend, n_jobs, client).map(_PeriodLisa(wmat, permutations, seed, alpha), items)
    out = pd.concat(frames, keys=panel.periods, names=[panel.time_name, panel.id_name]).swaplevel()
    return out.reindex(pd.MultiIndex.from_product([panel.ids, panel.periods], names=out.index.names))


# ---------------------------------------------------------------------- public: Moran scatter plot
@dataclass(frozen=True)
class MoranScatter(ReadOnly):
    """Data of a Moran scatter plot: standardised variable against its spatial lag; read-only.

    ``slope`` is the least-squares slope of ``lag_z`` on ``z``, i.e. ``z'Wz / z'z = I * S0 / n``: it equals
    Moran's I for row-standardised weights without islands.
    """

    variable: str
    period: Hashable
    moran_i: float
    slope: float
    intercept: float
    _frame: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per region: ``z``, ``lag_z`` and ``quadrant``."""
        return self._frame.copy()

    def summary(self) -> Summary:
        """Moran's I, the fitted line, and the number of regions per quadrant (the notebook display)."""
        counts = self._frame["quadrant"].value_counts()
        order = [q for q in ("High-High", "Low-Low", "Low-High", "High-Low") if q in counts.index]
        order += [q for q in counts.index if q not in order]
        header = {
            "variable": self.variable,
            "period": self.period,
            "regions": len(self._frame),
            "Moran's I": self.moran_i,
            "slope": self.slope,
            "intercept": self.intercept,
        }
        return Summary(
            f"Moran scatter: {self.variable}, {self.period}",
            (counts.reindex(order).rename("regions").to_frame(),),
            header,
            captions=("Regions per quadrant",),
        )


def moran_scatter_data(
    panel: SpatialPanel, var: str, w: Any, *, period: Hashable, transform: Transform = "r"
) -> MoranScatter:
    """Standardised ``var`` in ``period`` and its spatial lag, with the fitted slope and Moran's I.

    ``z = (y - mean(y)) / sd(y)`` (population sd, as esda), ``lag_z = W z``.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> sc = moran_scatter_data(panel, "ln_gsp", w, period=1970)
    >>> bool(abs(sc.slope - sc.moran_i) < 1e-12)
    True
    """
    graph = _aligned_graph(w, panel, transform)
    y = _cross_section(panel, var, period)
    frame, moran_i, slope, intercept = _scatter_frame(y, graph)
    return MoranScatter(var, period, moran_i, slope, intercept, frame)


# ---------------------------------------------------------------------- internals: checks and data
def _aligned_graph(w: Any, panel: SpatialPanel, transform: str) -> Graph:
    """The weights as a Graph in the panel's region order, transformed (never mutating ``w``)."""
    return _aligned(w, panel, transform)[0]


def _aligned(w: Any, panel: SpatialPanel, transform: str) -> tuple[Graph, sparse.csr_array]:
    """The aligned, transformed Graph and its CSR matrix, computed once per (weights, panel, transform).

    Aligning (the id checks of :func:`spillover.weights.align`), transforming and building ``Graph.sparse``
    cost 0.1 s at 3,000 regions and seconds at a million; a user who maps LISA in every period calls a local
    statistic once per period with the same Graph and panel.  Both are immutable, so the result is kept for
    the last few (Graph, panel, transform) triples, recognised by identity through weak references (a new
    Graph or panel is aligned afresh; W objects and frames are mutable and are aligned at every call).
    """
    from libpysal.graph import Graph

    from spillover.weights import align

    check_option(transform, _TRANSFORMS, "transform", error=SpilloverError)
    if not isinstance(panel, SpatialPanel):
        raise PanelError(f"panel must be a spillover.SpatialPanel, got {type(panel).__name__}.")
    key = (id(w), id(panel), transform)
    hit = _ALIGNED.get(key)
    if hit is not None and hit[0]() is w and hit[1]() is panel:
        _ALIGNED.move_to_end(key)
        return hit[2], hit[3]
    graph = align(w, panel.ids).transform(transform.upper())
    wmat = sparse.csr_array(graph.sparse)
    if wmat.count_nonzero() == 0:
        raise WeightsError("the weights have no links at all (every region is an island); rebuild them.")
    if isinstance(w, Graph):
        _ALIGNED[key] = (weakref.ref(w), weakref.ref(panel), graph, wmat)
        while len(_ALIGNED) > _ALIGNED_SIZE:
            _ALIGNED.popitem(last=False)
    return graph, wmat


def _cross_section(panel: SpatialPanel, var: str, period: Hashable) -> pd.Series:
    """Values of ``var`` in ``period`` (panel region order), checked complete and not constant."""
    if period not in panel.periods:
        raise PanelError(
            f"period {period!r} is not in the panel; its periods are {format_items(panel.periods.tolist())}."
        )
    return _checked(_values(panel, var)[period], var, period)


def _values(panel: SpatialPanel, var: str) -> pd.DataFrame:
    """``var`` as a regions x periods frame (NaN kept, checked later period by period)."""
    data = panel.data
    if var not in data.columns:
        raise PanelError(
            f"variable {var!r} is not in the panel; its variables are {format_items(panel.variables)}."
        )
    col = data[var]
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        panel.matrix(var)  # raises PanelError naming the non-numeric cells
    col = check_finite(col.astype(float), var)
    return col.unstack(panel.time_name).reindex(index=panel.ids, columns=panel.periods)


def _checked(y: pd.Series, var: str, period: Hashable) -> pd.Series:
    missing = y.index[y.isna()].tolist()
    if missing:
        raise PanelError(
            f"variable {var!r} is missing in period {period!r} for {len(missing)} region(s): "
            f"{format_items(missing)}. Fill them, or drop those regions or periods (SpatialPanel.subset)."
        )
    if np.ptp(y.to_numpy()) == 0:
        raise SpilloverError(
            f"variable {var!r} is constant in period {period!r} (every region = {y.iloc[0]!r}): it has no "
            "variance, so spatial autocorrelation is undefined. Drop that period (SpatialPanel.subset)."
        )
    return y.rename(var)


@contextmanager
def _preserved_global_rng() -> Iterator[None]:
    """Restore NumPy's global random state on exit (for libraries that reseed it)."""
    state = np.random.get_state()  # noqa: NPY002 - esda draws from the global generator; we restore it
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002 - see above


# ---------------------------------------------------------------------- internals: global statistics
_MORAN_COLUMNS = ["I", "E[I]", "var_norm", "z_norm", "p_norm", "var_rand", "z_rand", "p_rand", "p_sim"]
_GEARY_COLUMNS = ["C", "E[C]", "var_norm", "z_norm", "p_norm", "var_rand", "z_rand", "p_rand", "p_sim"]


@dataclass(frozen=True)
class _Runner:
    """Where the per-period tasks run (``backend``, ``n_jobs``, ``client`` of the public functions)."""

    backend: ResampleBackend = "serial"
    n_jobs: int | None = None
    client: Any = None

    def map(self, one: Any, items: Sequence[Any]) -> list[Any]:
        from spillover._parallel import map_items

        return map_items(one, items, backend=self.backend, n_jobs=self.n_jobs, client=self.client)


def _global_by_period(
    panel: SpatialPanel,
    var: str | Sequence[str],
    w: Any,
    stat: str,
    permutations: int,
    seed: int,
    transform: str,
    runner: _Runner = _Runner(),
) -> pd.DataFrame:
    check_int(permutations, "permutations", minimum=0)
    check_int(seed, "seed", minimum=0)
    check_option(runner.backend, ResampleBackend, "backend")
    if runner.n_jobs is not None:
        check_int(runner.n_jobs, "n_jobs", minimum=1)
    if panel.n_regions < 4:
        raise SpilloverError(
            "global statistics need at least 4 regions (the randomisation variance divides by "
            f"(n - 2)(n - 3)); the panel has {panel.n_regions}."
        )
    graph = _aligned_graph(w, panel, transform)
    names = [var] if isinstance(var, str) else list(var)
    if not isinstance(var, str) and (not names or len(set(names)) != len(names)):
        raise SpilloverError(f"var must name one variable or a list of distinct variables, got {names!r}.")
    # the data are checked here, in this process (errors name the region and period); each (variable, period)
    # is then one task: its row depends only on its values and its own generator (_PeriodRow)
    items = []
    for v in names:
        values = _values(panel, v)
        items += [(k, _checked(values[p], v, p).to_numpy()) for k, p in enumerate(panel.periods)]
    rows = runner.map(_PeriodRow(stat, graph, permutations, seed), items)
    columns = _MORAN_COLUMNS if stat == "moran" else _GEARY_COLUMNS
    t = panel.n_periods
    tables = {
        v: pd.DataFrame(rows[i * t : (i + 1) * t], index=panel.periods, columns=columns)
        for i, v in enumerate(names)
    }
    if isinstance(var, str):
        return tables[var]
    return pd.concat(tables, names=["variable"])


@dataclass(frozen=True)
class _PeriodRow:
    """One period's row from ``(k, y)``: a picklable task (the Graph travels once per worker)."""

    stat: str
    graph: Any
    permutations: int
    seed: int

    def __call__(self, item: tuple[int, np.ndarray]) -> list[float]:
        k, y = item
        # Each period gets its own generator from (seed, position of the period): results do not depend on
        # which other periods are analysed nor where they run, and NumPy's global random state is never used.
        rng = np.random.default_rng([self.seed, k])
        row_of = _moran_row if self.stat == "moran" else _geary_row
        return row_of(y, self.graph, self.permutations, rng)


def _moran_row(y: np.ndarray, graph: Graph, permutations: int, rng: np.random.Generator) -> list[float]:
    from esda import Moran

    # esda computes I and its analytical moments; the permutations are run here (see _permuted_moran) with
    # a seeded numpy Generator instead of esda's loop over NumPy's global generator: reproducible without
    # global state (safe in threads, notebooks and QGIS), and vectorised.
    m = Moran(y, graph, transformation=graph.transformation, permutations=0, two_tailed=True)
    p_sim = _p_sim(_permuted_moran, y, graph, permutations, rng, m.I)
    return _row(m.I, m.EI, m.VI_norm, m.z_norm, m.VI_rand, m.z_rand, p_sim)


def _geary_row(y: np.ndarray, graph: Graph, permutations: int, rng: np.random.Generator) -> list[float]:
    from esda import Geary

    g = Geary(y, graph, transformation=graph.transformation, permutations=0)
    p_sim = _p_sim(_permuted_geary, y, graph, permutations, rng, g.C)
    return _row(g.C, g.EC, g.VC_norm, g.z_norm, g.VC_rand, g.z_rand, p_sim)


def _row(
    value: float,
    expected: float,
    var_norm: float,
    z_norm: float,
    var_rand: float,
    z_rand: float,
    p_sim: float,
) -> list[float]:
    """One period's row of :data:`_MORAN_COLUMNS` / :data:`_GEARY_COLUMNS` (two-sided normal p-values)."""
    return [
        value,
        expected,
        var_norm,
        z_norm,
        _two_sided(z_norm),
        var_rand,
        z_rand,
        _two_sided(z_rand),
        p_sim,
    ]


def _p_sim(
    permuted: Any, y: np.ndarray, graph: Graph, permutations: int, rng: np.random.Generator, observed: float
) -> float:
    """The pseudo p-value of ``observed`` among ``permuted(y, W, permutations, rng)`` (NaN without any)."""
    if not permutations:
        return np.nan
    return _pseudo_p(permuted(y, graph.sparse, permutations, rng), observed)


def _two_sided(z: float) -> float:
    return float(2.0 * stats.norm.sf(abs(z)))


def _pseudo_p(sims: np.ndarray, observed: float) -> float:
    """esda's folded pseudo p-value: (min(M, P - M) + 1) / (P + 1), M = #(sims >= observed)."""
    larger = int((sims >= observed).sum())
    larger = min(larger, len(sims) - larger)
    return (larger + 1.0) / (len(sims) + 1.0)


def _permutation_blocks(z: np.ndarray, permutations: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Blocks of rows, each row a random permutation of ``z``."""
    done = 0
    while done < permutations:
        size = min(_PERMUTATION_BLOCK, permutations - done)
        yield rng.permuted(np.broadcast_to(z, (size, z.size)), axis=1)
        done += size


def _permuted_moran(
    y: np.ndarray, wmat: sparse.sparray, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """Moran's I of ``permutations`` random permutations of ``y`` (same formula as esda.Moran)."""
    z = y - y.mean()
    scale = z.size / wmat.sum() / (z @ z)
    out = [
        np.einsum("ij,ij->i", block, (wmat @ block.T).T) * scale
        for block in _permutation_blocks(z, permutations, rng)
    ]
    return np.concatenate(out)


def _permuted_geary(
    y: np.ndarray, wmat: sparse.sparray, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """Geary's C of random permutations of ``y``, using sum_ij w_ij (y_i - y_j)^2 = y'(R + C)y - 2 y'Wy."""
    z = y - y.mean()  # C is invariant to centring; centring keeps the sums well conditioned
    row_col = np.asarray(wmat.sum(axis=1)).ravel() + np.asarray(wmat.sum(axis=0)).ravel()
    scale = (z.size - 1) / (2.0 * wmat.sum() * (z @ z))
    out = []
    for block in _permutation_blocks(z, permutations, rng):
        cross = np.einsum("ij,ij->i", block, (wmat @ block.T).T)
        out.append(((block**2) @ row_col - 2.0 * cross) * scale)
    return np.concatenate(out)


# ---------------------------------------------------------------------- internals: local and plots
def _local_frame(
    y: pd.Series,
    z: np.ndarray,
    lag: np.ndarray,
    observed: np.ndarray,
    z_sim: np.ndarray,
    p_sim: np.ndarray,
    wmat: sparse.csr_array,
    alpha: float,
) -> pd.DataFrame:
    high, lag_high = z > 0, lag > 0  # esda.Moran_Local's quadrant rule (q = 1 HH, 2 LH, 3 LL, 4 HL)
    quadrant = np.select(
        [high & lag_high, ~high & lag_high, ~high & ~lag_high],
        ["High-High", "Low-High", "Low-Low"],
        "High-Low",
    )
    # An island's I_i is 0 whatever the permutation, so esda's folded count gives it the smallest p_sim;
    # it has no local association to test: p_sim and z_sim are NaN and it is never significant.
    island = np.asarray(wmat.sum(axis=1)).ravel() == 0
    p_sim = np.where(island, np.nan, p_sim)
    z_sim = np.where(island, np.nan, z_sim)
    significant = p_sim <= alpha
    return pd.DataFrame(
        {
            "value": y.to_numpy(),
            "z": z,
            "lag_z": lag,
            "Ii": observed,
            "z_sim": z_sim,
            "p_sim": p_sim,
            "quadrant": quadrant,
            "cluster": np.where(significant, quadrant, NOT_SIGNIFICANT),
        },
        index=y.index,
    )


def _scatter_frame(y: pd.Series, graph: Graph) -> tuple[pd.DataFrame, float, float, float]:
    z = ((y - y.mean()) / y.std(ddof=0)).to_numpy()
    wmat = graph.sparse
    lag = wmat @ z
    moran_i = float(z.size / wmat.sum() * (z @ lag) / (z @ z))
    slope = float((z @ lag) / (z @ z))  # z has mean 0, so the OLS slope needs no centring of z
    intercept = float(lag.mean())
    high, lag_high = z > 0, lag > 0  # esda.Moran_Local's quadrant rule
    quadrant = np.select(
        [high & lag_high, ~high & ~lag_high, ~high & lag_high],
        ["High-High", "Low-Low", "Low-High"],
        "High-Low",
    )
    frame = pd.DataFrame({"z": z, "lag_z": lag, "quadrant": quadrant}, index=y.index)
    return frame, moran_i, slope, intercept
