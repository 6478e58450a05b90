"""Local statistics of hot-spot analysis: local Geary, Getis-Ord Gi/Gi*, join counts, bivariate LISA.

Each function analyses one cross-section of the panel with :mod:`esda` (PySAL) as the engine: spillover
checks the data (complete, not constant, binary where required), aligns the weights to the panel's regions,
calls esda, and returns a read-only result with one row per region.  esda is used rather than our own
formulas because its statistics and conditional randomisation are the field's reference (GeoDa's numbers).

Reproducible permutations.  esda draws its conditional permutations from a seed handed to its numba kernel
or, for the classes that ignore ``seed=`` (Geary_Local, Geary_Local_MV, the local join counts, Lee's L), from
NumPy's global generator.  spillover does both: it passes ``seed`` to esda *and* seeds the global generator
with it, inside :func:`~spillover.esda._moran._preserved_global_rng` which restores the caller's global
state afterwards.  So ``f(..., seed=s)`` equals esda called directly after ``numpy.random.seed(s)`` with
``seed=s``; ``seed=None`` draws a fresh seed from ``numpy.random.default_rng()`` and records it on the
result (``result.seed``), so any run can be repeated.

Pseudo p-values are esda's folded ``(min(M, P - M) + 1) / (P + 1)``.  Regions without neighbours (islands)
have no local association to test: their ``p_sim`` is NaN and they are never significant.  With
``fdr=True`` the significance cut-off ``alpha`` is replaced by the Benjamini-Hochberg cut-off of
:func:`esda.fdr` over the regions' p-values (:func:`fdr_threshold`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.errors import PanelError, SpilloverError, format_items
from spillover.esda._moran import (
    _QUADRANTS,
    NOT_SIGNIFICANT,
    _aligned_graph,
    _checked,
    _preserved_global_rng,
    _values,
)
from spillover.options import check_int, check_option, check_probability, check_seed
from spillover.panel import SpatialPanel
from spillover.summary import Summary

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas as gpd
    from libpysal.graph import Graph

__all__ = [
    "local_geary",
    "LocalGearyResult",
    "getis_ord",
    "GetisOrdResult",
    "HOTSPOT_CLASSES",
    "join_counts",
    "JoinCountsResult",
    "bivariate_lisa",
    "BivariateLisaResult",
    "fdr_threshold",
]

#: Gi/Gi* classes, hot to cold (the legend order of :func:`spillover.maps.hotspot_map`).
HOTSPOT_CLASSES = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")
_LEVELS = ((0.01, "99"), (0.05, "95"), (0.10, "90"))  # two-sided p cut-offs of the confidence bins
_MAX_SEED = 2**31 - 1  # numba's np.random.seed takes a 32-bit seed
BivariateMethod = Literal["moran", "lee"]
JoinCase = Literal["CLC", "BJC"]


# ---------------------------------------------------------------------- shared helpers
def fdr_threshold(p_values: Any, alpha: float = 0.05) -> float:
    """Benjamini-Hochberg cut-off of ``p_values`` at false discovery rate ``alpha`` (:func:`esda.fdr`).

    NaN p-values (islands, regions esda does not test) are left out of the count.  A region is significant
    when its p-value is ``<=`` the cut-off; when no hypothesis is rejected esda returns ``alpha / n``.

    >>> round(fdr_threshold([0.001, 0.01, 0.03, 0.5], alpha=0.05), 6)
    0.0375
    """
    from esda import fdr

    check_probability(alpha, "alpha")
    p = np.asarray(p_values, dtype=float)
    p = p[~np.isnan(p)]
    if p.size == 0:
        return float("nan")
    return float(fdr(p, alpha))


def _cutoff(p: np.ndarray, alpha: float, use_fdr: bool) -> float:
    return fdr_threshold(p, alpha) if use_fdr else alpha


def _esda_seed(seed: Any) -> int:
    """The integer seed handed to esda: ``seed`` itself, or a fresh one drawn when it is None."""
    check_seed(seed)
    if seed is None or isinstance(seed, np.random.Generator | np.random.SeedSequence):
        return int(np.random.default_rng(seed).integers(0, _MAX_SEED))
    if seed > _MAX_SEED:
        raise SpilloverError(
            f"seed must be at most {_MAX_SEED} (esda's numba kernel takes 32 bits), got {seed}."
        )
    return int(seed)


def _run_esda(seed: int, call: Callable[[], Any]) -> Any:
    """``call()`` with NumPy's global generator seeded by ``seed`` and restored afterwards."""
    with _preserved_global_rng(), np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        # esda 2.9 announces a change of the default alternative of its conditional randomisation; the
        # classes called here give no way to answer it, and spillover documents the folded p-value it
        # returns today (as local_moran does).
        warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        np.random.seed(seed)  # noqa: NPY002 - esda's classes that ignore seed= draw from the global generator
        return call()


def _period_of(panel: SpatialPanel, period: Hashable | None) -> Hashable:
    if period is None:
        return panel.periods[-1]
    if period not in panel.periods:
        raise PanelError(
            f"period {period!r} is not in the panel; its periods are {format_items(panel.periods.tolist())}."
        )
    return period


def _section(panel: SpatialPanel, var: str, period: Hashable) -> pd.Series:
    return _checked(_values(panel, var)[period], var, period)


def _islands(graph: Graph) -> np.ndarray:
    """True for the regions without a neighbour other than themselves."""
    wmat = abs(graph.sparse)
    return np.asarray(wmat.sum(axis=1)).ravel() - wmat.diagonal() == 0


def _checks(permutations: int, alpha: float, fdr: bool, minimum: int = 0) -> None:
    check_int(permutations, "permutations", minimum=minimum)
    check_probability(alpha, "alpha")
    check_option(fdr, (True, False), "fdr", error=SpilloverError)


def _variables(var: str | Sequence[str]) -> list[str]:
    names = [var] if isinstance(var, str) else list(var)
    if not names or len(set(names)) != len(names) or not all(isinstance(v, str) for v in names):
        raise SpilloverError(f"var must name one variable or a list of distinct variables, got {var!r}.")
    return names


def _standardised(y: np.ndarray) -> np.ndarray:
    return (y - y.mean()) / y.std()


def _quadrant(z: np.ndarray, lag: np.ndarray) -> np.ndarray:
    high, lag_high = z > 0, lag > 0  # esda.Moran_Local's rule
    return np.select(
        [high & lag_high, ~high & ~lag_high, ~high & lag_high],
        [_QUADRANTS[1], _QUADRANTS[3], _QUADRANTS[2]],
        _QUADRANTS[4],
    )


# ---------------------------------------------------------------------- result classes
@dataclass(frozen=True)
class _LocalResult(ReadOnly):
    """One local statistic of one or two variables in one period, one row per region; read-only.

    Attributes
    ----------
    variable
        The variable, or the variables joined by ", " (multivariate and bivariate statistics).
    period
        The cross-section analysed.
    alpha
        Significance level of the ``cluster`` labels.
    fdr
        Whether ``alpha`` was replaced by the Benjamini-Hochberg cut-off (``threshold``).
    threshold
        The p-value cut-off actually used (``alpha``, or the FDR cut-off).
    permutations, seed
        The conditional permutations behind ``p_sim`` and their seed (the one drawn when None was given).
    """

    statistic_name: ClassVar[str] = ""
    order: ClassVar[tuple[str, ...]] = ()

    variable: str
    period: Hashable
    alpha: float
    fdr: bool
    threshold: float
    permutations: int
    seed: int
    _frame: pd.DataFrame = field(repr=False)
    _geometry: gpd.GeoDataFrame | None = field(repr=False, default=None)
    _island: np.ndarray | None = field(repr=False, default=None)

    def to_frame(self) -> pd.DataFrame:
        """One row per region (panel order); the columns are listed in the function's docstring."""
        return self._frame.copy()

    @property
    def clusters(self) -> pd.Series:
        """Cluster label of each region (the ``cluster`` column)."""
        return self._frame["cluster"].copy()

    def counts(self) -> pd.Series:
        """Number of regions per label, in the legend order (zeros kept)."""
        return self._frame["cluster"].value_counts().reindex(list(self.order), fill_value=0).rename("regions")

    @property
    def islands(self) -> pd.Series:
        """True for the regions without neighbours (no local statistic to test; never significant)."""
        island = np.zeros(len(self._frame), bool) if self._island is None else self._island
        return pd.Series(island, index=self._frame.index, name="island")

    @property
    def geometry(self) -> gpd.GeoDataFrame | None:
        """The regions' geometry (a copy), if the result came from a panel with geometry."""
        return None if self._geometry is None else self._geometry.copy()

    def summary(self) -> Summary:
        """The number of regions per label, and the settings."""
        header = {
            "variable": self.variable,
            "period": self.period,
            "regions": len(self._frame),
            "permutations": self.permutations,
            "seed": self.seed,
            "alpha": self.alpha,
            "FDR": self.fdr,
            "p-value cut-off": self.threshold,
        }
        return Summary(
            f"{self.statistic_name}: {self.variable}, {self.period}",
            (self.counts().to_frame(),),
            header,
            captions=("Regions per cluster",),
        )

    def _repr_html_(self) -> str:
        return self.summary().as_html()


@dataclass(frozen=True)
class LocalGearyResult(_LocalResult):
    """Local Geary's c (:func:`local_geary`); read-only."""

    statistic_name: ClassVar[str] = "Local Geary"
    order: ClassVar[tuple[str, ...]] = (
        "High-High",
        "Low-Low",
        "Other positive",
        "Positive",
        "Negative",
        NOT_SIGNIFICANT,
    )


@dataclass(frozen=True)
class GetisOrdResult(_LocalResult):
    """Getis-Ord Gi or Gi* (:func:`getis_ord`); read-only.  ``star`` says which."""

    statistic_name: ClassVar[str] = "Getis-Ord G"
    order: ClassVar[tuple[str, ...]] = HOTSPOT_CLASSES
    star: bool = True


@dataclass(frozen=True)
class JoinCountsResult(_LocalResult):
    """Local (and, for one variable, global) join counts (:func:`join_counts`); read-only.

    ``global_`` is esda.Join_Counts' one-row table for a single variable (None for two).
    """

    statistic_name: ClassVar[str] = "Local join counts"
    order: ClassVar[tuple[str, ...]] = ("Cluster", "Co-location", "Bivariate join", NOT_SIGNIFICANT)
    case: str = "univariate"
    global_: pd.DataFrame | None = field(repr=False, default=None)

    def counts(self) -> pd.Series:
        """Number of regions per label (this case's label and "Not significant"; zeros kept)."""
        label = {"univariate": "Cluster", "CLC": "Co-location"}.get(self.case, "Bivariate join")
        counts = self._frame["cluster"].value_counts()
        return counts.reindex([label, NOT_SIGNIFICANT], fill_value=0).rename("regions")


@dataclass(frozen=True)
class BivariateLisaResult(_LocalResult):
    """Bivariate local Moran or Lee's L (:func:`bivariate_lisa`); read-only.  ``method`` says which."""

    statistic_name: ClassVar[str] = "Bivariate LISA"
    order: ClassVar[tuple[str, ...]] = ("High-High", "Low-Low", "Low-High", "High-Low", NOT_SIGNIFICANT)
    method: str = "moran"


# ---------------------------------------------------------------------- local Geary
def local_geary(
    panel: SpatialPanel,
    var: str | Sequence[str],
    w: Any,
    period: Hashable | None = None,
    *,
    permutations: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
    fdr: bool = False,
) -> LocalGearyResult:
    """Local Geary's c (Anselin 2019) of ``var`` in one period, univariate or multivariate.

    Univariate: ``c_i = sum_j w_ij (z_i - z_j)^2`` with ``z`` the standardised variable (population sd) and
    row-standardised ``W`` (:class:`esda.Geary_Local`).  Multivariate (``var`` a list of k variables):
    ``c_i = sum_v sum_j w_ij (z_vi - z_vj)^2 / k`` (:class:`esda.Geary_Local_MV`).  Small ``c_i`` means a
    region resembles its neighbours (positive association), large ``c_i`` that it differs (negative).

    Parameters
    ----------
    panel, w
        The panel and the weights (ids exactly the panel's regions).
    var
        One variable, or a list of variables for the multivariate statistic.
    period
        The cross-section (default: the last period).
    permutations
        Conditional permutations for ``p_sim`` (at least 1).
    seed
        Seed of the permutations (None: a fresh seed, recorded as ``result.seed``).
    alpha, fdr
        Significance level of the labels; ``fdr=True`` replaces it by the Benjamini-Hochberg cut-off.

    Returns
    -------
    LocalGearyResult
        ``to_frame()`` columns: ``value`` (the first variable), ``z``, ``lag_z`` (of the first variable),
        ``statistic`` (c_i), ``p_sim``, ``significant`` and ``cluster``.  GeoDa's labels: a significant region
        with ``c_i`` below the mean of the ``c_i`` is "High-High" (``z > 0`` and ``lag_z > 0``), "Low-Low"
        (both negative) or "Other positive"; above the mean it is "Negative".  The multivariate statistic
        labels "Positive" / "Negative" only.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> res = local_geary(panel, "ln_gsp", w, 1986, permutations=99, seed=0)
    >>> res.to_frame().columns.tolist()
    ['value', 'z', 'lag_z', 'statistic', 'p_sim', 'significant', 'cluster']
    """
    from esda import Geary_Local, Geary_Local_MV

    _checks(permutations, alpha, fdr, minimum=1)
    names = _variables(var)
    period = _period_of(panel, period)
    graph = _aligned_graph(w, panel, "r")
    columns = [_section(panel, v, period) for v in names]
    esda_seed = _esda_seed(seed)
    if len(names) == 1:
        x = columns[0].to_numpy()
        est = _run_esda(
            esda_seed,
            lambda: Geary_Local(
                connectivity=graph, permutations=permutations, seed=esda_seed, keep_simulations=False
            ).fit(x),
        )
    else:
        data = [c.to_numpy() for c in columns]
        est = _run_esda(
            esda_seed, lambda: Geary_Local_MV(connectivity=graph, permutations=permutations).fit(data)
        )
    y = columns[0]
    z = _standardised(y.to_numpy())
    lag = graph.sparse @ z
    c = np.asarray(est.localG, dtype=float)
    p_sim = np.where(_islands(graph), np.nan, est.p_sim)
    threshold = _cutoff(p_sim, alpha, fdr)
    significant = p_sim <= threshold
    positive = c < c.mean()
    if len(names) == 1:
        kind = np.where(
            positive,
            np.where(
                (z > 0) & (lag > 0), "High-High", np.where((z < 0) & (lag < 0), "Low-Low", "Other positive")
            ),
            "Negative",
        )
    else:
        kind = np.where(positive, "Positive", "Negative")
    frame = pd.DataFrame(
        {
            "value": y.to_numpy(),
            "z": z,
            "lag_z": lag,
            "statistic": c,
            "p_sim": p_sim,
            "significant": significant,
            "cluster": np.where(significant, kind, NOT_SIGNIFICANT),
        },
        index=y.index,
    )
    label = ", ".join(names)
    return LocalGearyResult(
        label,
        period,
        float(alpha),
        fdr,
        threshold,
        permutations,
        esda_seed,
        frame,
        panel.geometry,
        _islands(graph),
    )


# ---------------------------------------------------------------------- Getis-Ord
def getis_ord(
    panel: SpatialPanel,
    var: str,
    w: Any,
    period: Hashable | None = None,
    *,
    star: bool = True,
    permutations: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
    fdr: bool = False,
) -> GetisOrdResult:
    """Getis-Ord local G (Getis and Ord 1992; Ord and Getis 1995) of ``var`` in one period: Gi* or Gi.

    ``G*_i = sum_j w_ij y_j / sum_j y_j`` including ``j = i`` (``star=True``, the hot-spot statistic), or
    ``G_i = sum_{j != i} w_ij y_j / sum_{j != i} y_j`` (``star=False``), with row-standardised weights;
    computed by :class:`esda.G_Local` (its analytical moments give ``z_norm``).  The weights are made
    binary first; for Gi* esda then gives each region the self-weight 1 before row-standardising (Ord and
    Getis 1995).  ``var`` should be positive (a level,
    not a growth rate): G is a share of the total.

    Parameters
    ----------
    panel, var, w, period
        As in :func:`local_geary` (one variable).
    star
        Gi* (True, default) or Gi (False).
    permutations
        Conditional permutations for ``p_sim``; 0 for none (the classes then use the normal p-value).
    seed, alpha, fdr
        As in :func:`local_geary`.

    Returns
    -------
    GetisOrdResult
        ``to_frame()`` columns: ``value``, ``statistic`` (G_i), ``expected`` (E[G_i]), ``z_norm`` (its
        z-value), ``p_value`` (two-sided normal; esda's ``p_norm`` is the one-sided half), ``z_sim``,
        ``p_sim``, ``significant`` (p <= the cut-off at ``alpha``) and ``cluster``, one of
        :data:`HOTSPOT_CLASSES`: "hot_99" when p <= 0.01 and ``z_norm > 0``, "hot_95" when p <= 0.05,
        "hot_90" when p <= 0.10 (likewise "cold_*" for ``z_norm < 0``), else "not_significant".  p is
        ``p_sim`` with permutations (GeoDa's rule), the normal ``p_value`` without (ArcGIS's rule); with
        ``fdr=True`` each of the three cut-offs is replaced by its Benjamini-Hochberg cut-off.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> res = getis_ord(panel, "gsp", w, 1986, permutations=99, seed=0)
    >>> int(res.counts().sum())
    48
    """
    from esda import G_Local

    _checks(permutations, alpha, fdr)
    check_option(star, (True, False), "star", error=SpilloverError)
    period = _period_of(panel, period)
    # Binary weights: for Gi* esda then adds the self-weight 1 (Ord and Getis 1995) and row-standardises.
    graph = _aligned_graph(w, panel, "b")
    y = _section(panel, var, period)
    esda_seed = _esda_seed(seed)
    values = y.to_numpy()
    est = _run_esda(
        esda_seed,
        lambda: G_Local(
            values, graph, transform="R", permutations=permutations, star=star, n_jobs=1, seed=esda_seed
        ),
    )
    frame, threshold = _g_frame(y, est, graph, permutations, alpha, fdr)
    return GetisOrdResult(
        var,
        period,
        float(alpha),
        fdr,
        threshold,
        permutations,
        esda_seed,
        frame,
        panel.geometry,
        _islands(graph),
        star=star,
    )


def _g_frame(
    y: pd.Series, est: Any, graph: Graph, permutations: int, alpha: float, fdr: bool
) -> tuple[pd.DataFrame, float]:
    z_norm = np.asarray(est.Zs, dtype=float)
    p_value = 2.0 * stats.norm.sf(np.abs(z_norm))
    island = _islands(graph)
    if permutations:
        p_sim = np.where(island, np.nan, est.p_sim)
        z_sim = np.where(island, np.nan, est.z_sim)
        p = p_sim
    else:
        p_sim = z_sim = np.full(len(y), np.nan)
        p = np.where(island, np.nan, p_value)
    cluster = np.full(len(y), "not_significant", dtype=object)
    for level, name in reversed(_LEVELS):  # 90 first, overwritten by 95 and 99
        cut = _cutoff(p, level, fdr)
        hit = p <= cut
        cluster[hit & (z_norm > 0)] = f"hot_{name}"
        cluster[hit & (z_norm < 0)] = f"cold_{name}"
    threshold = _cutoff(p, alpha, fdr)
    frame = pd.DataFrame(
        {
            "value": y.to_numpy(),
            "statistic": np.asarray(est.Gs, dtype=float),
            "expected": np.asarray(est.EGs, dtype=float),
            "z_norm": z_norm,
            "p_value": p_value,
            "z_sim": z_sim,
            "p_sim": p_sim,
            "significant": p <= threshold,
            "cluster": cluster,
        },
        index=y.index,
    )
    return frame, threshold


# ---------------------------------------------------------------------- join counts
def join_counts(
    panel: SpatialPanel,
    var: str | Sequence[str],
    w: Any,
    period: Hashable | None = None,
    *,
    case: JoinCase = "CLC",
    permutations: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
    fdr: bool = False,
) -> JoinCountsResult:
    """Join counts of binary (0/1) variables in one period: global and local, univariate and bivariate.

    One variable: the global counts of 1-1 (``bb``), 0-0 (``ww``) and 1-0 (``bw``) joins over binary
    weights (:class:`esda.Join_Counts`) and the local count ``LJC_i = x_i sum_j w_ij x_j`` (Anselin and Li
    2019; :class:`esda.Join_Counts_Local`).  Two variables ``[x, z]``: the local bivariate count
    (:class:`esda.Join_Counts_Local_BV`), ``case="CLC"`` co-location ``x_i z_i sum_j w_ij x_j z_j``, or
    ``case="BJC"`` bivariate joins ``x_i (1 - z_i) sum_j w_ij z_j (1 - x_j)``.

    Parameters
    ----------
    panel, w, period, permutations, seed, alpha, fdr
        As in :func:`local_geary`.
    var
        A 0/1 variable, or a list of two.
    case
        Bivariate case, "CLC" or "BJC" (ignored for one variable).

    Returns
    -------
    JoinCountsResult
        ``to_frame()`` columns: ``value`` (the first variable), ``statistic`` (the local count), ``p_sim``
        (NaN where the count is 0: esda does not test those), ``significant``, ``cluster`` ("Cluster",
        "Co-location" or "Bivariate join" when significant).  ``global_`` (one variable): ``bb``, ``ww``,
        ``bw``, ``J`` (joins), ``p_sim_bb``, ``p_sim_bw``, ``chi2``, ``chi2_p``.

    Raises
    ------
    SpilloverError
        If a value is not 0 or 1 (the regions and the period are named).

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> rich = (panel.data["ln_gsp"] > panel.data["ln_gsp"].median()).astype(int).rename("rich")
    >>> panel = panel.with_data(rich)
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> res = join_counts(panel, "rich", w, 1986, permutations=99, seed=0)
    >>> sorted(res.global_.columns)[:3]
    ['J', 'bb', 'bw']
    """
    from esda import Join_Counts, Join_Counts_Local, Join_Counts_Local_BV

    _checks(permutations, alpha, fdr, minimum=1)
    check_option(case, ("CLC", "BJC"), "case", error=SpilloverError)
    names = _variables(var)
    if len(names) > 2:
        raise SpilloverError(f"join_counts takes one or two binary variables, got {len(names)}: {names!r}.")
    period = _period_of(panel, period)
    graph = _aligned_graph(w, panel, "b")
    columns = [_binary(panel, v, period) for v in names]
    esda_seed = _esda_seed(seed)
    x = columns[0].to_numpy()
    global_ = None
    if len(names) == 1:
        est = _run_esda(
            esda_seed,
            lambda: Join_Counts_Local(connectivity=graph, permutations=permutations, seed=esda_seed).fit(
                x, permutations=permutations
            ),
        )
        glob = _run_esda(esda_seed, lambda: Join_Counts(x, graph, permutations=permutations))
        global_ = pd.DataFrame(
            [[glob.bb, glob.ww, glob.bw, glob.J, glob.p_sim_bb, glob.p_sim_bw, glob.chi2, glob.chi2_p]],
            index=pd.Index([period], name=panel.time_name),
            columns=["bb", "ww", "bw", "J", "p_sim_bb", "p_sim_bw", "chi2", "chi2_p"],
        )
        kind, label = "univariate", "Cluster"
    else:
        z = columns[1].to_numpy()
        est = _run_esda(
            esda_seed,
            lambda: Join_Counts_Local_BV(connectivity=graph, permutations=permutations, seed=esda_seed).fit(
                x, z, case=case, permutations=permutations
            ),
        )
        kind, label = case, "Co-location" if case == "CLC" else "Bivariate join"
    p_sim = np.where(_islands(graph), np.nan, np.asarray(est.p_sim, dtype=float))
    threshold = _cutoff(p_sim, alpha, fdr)
    significant = p_sim <= threshold
    frame = pd.DataFrame(
        {
            "value": x,
            "statistic": np.asarray(est.LJC, dtype=float),
            "p_sim": p_sim,
            "significant": significant,
            "cluster": np.where(significant, label, NOT_SIGNIFICANT),
        },
        index=columns[0].index,
    )
    return JoinCountsResult(
        ", ".join(names),
        period,
        float(alpha),
        fdr,
        threshold,
        permutations,
        esda_seed,
        frame,
        panel.geometry,
        _islands(graph),
        case=kind,
        global_=global_,
    )


def _binary(panel: SpatialPanel, var: str, period: Hashable) -> pd.Series:
    y = _values(panel, var)[period]
    missing = y.index[y.isna()].tolist()
    if missing:
        raise PanelError(
            f"variable {var!r} is missing in period {period!r} for {len(missing)} region(s): "
            f"{format_items(missing)}. Fill them, or drop those regions or periods (SpatialPanel.subset)."
        )
    bad = y.index[~y.isin([0.0, 1.0])].tolist()
    if bad:
        raise SpilloverError(
            f"join counts need a binary (0/1) variable, but {var!r} in period {period!r} has other values in "
            f"{len(bad)} region(s): {format_items(bad)}. Recode it, e.g. (panel.data[{var!r}] > threshold)"
            ".astype(int)."
        )
    return y.rename(var)


# ---------------------------------------------------------------------- bivariate LISA
def bivariate_lisa(
    panel: SpatialPanel,
    x: str,
    y: str,
    w: Any,
    period: Hashable | None = None,
    *,
    method: BivariateMethod = "moran",
    permutations: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
    fdr: bool = False,
) -> BivariateLisaResult:
    """Bivariate local association of ``x`` with ``y`` in one period: bivariate local Moran or Lee's L.

    ``method="moran"``: ``I_i = zx_i * sum_j w_ij zy_j`` (Anselin, Syabri and Smirnov 2002;
    :class:`esda.Moran_Local_BV`), a region's ``x`` against its neighbours' ``y``; the quadrant comes from
    the signs of ``zx_i`` and the lag of ``zy`` (as :func:`spillover.esda.local_moran`).
    ``method="lee"``: Lee's (2001) ``L_i = (sum_j w_ij zx_j)(sum_j w_ij zy_j)`` on standardised
    variables (:class:`esda.Spatial_Pearson_Local`), whose quadrant comes from the signs of the two spatial
    lags (smoothed ``x`` and smoothed ``y``).  Weights are row-standardised.

    Returns
    -------
    BivariateLisaResult
        ``to_frame()`` columns: ``value`` (x), ``value_y`` (y), ``z`` (standardised x, or its lag for Lee),
        ``lag_z`` (lag of standardised y), ``statistic``, ``p_sim``, ``quadrant``, ``significant`` and
        ``cluster`` (the quadrant when significant).

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> res = bivariate_lisa(panel, "ln_gsp", "ln_pcap", w, 1986, permutations=99, seed=0)
    >>> res.method, int(res.counts().sum())
    ('moran', 48)
    """
    from esda import Moran_Local_BV, Spatial_Pearson_Local

    _checks(permutations, alpha, fdr, minimum=1)
    check_option(method, ("moran", "lee"), "method", error=SpilloverError)
    if x == y:
        raise SpilloverError(f"bivariate_lisa needs two different variables, got x = y = {x!r}.")
    period = _period_of(panel, period)
    graph = _aligned_graph(w, panel, "r")
    xs, ys = _section(panel, x, period), _section(panel, y, period)
    xv, yv = xs.to_numpy(), ys.to_numpy()
    esda_seed = _esda_seed(seed)
    zx, zy = _standardised(xv), _standardised(yv)
    lag_y = graph.sparse @ zy
    if method == "moran":
        est = _run_esda(
            esda_seed,
            lambda: Moran_Local_BV(
                xv,
                yv,
                graph,
                transformation="r",
                permutations=permutations,
                seed=esda_seed,
                n_jobs=1,
                keep_simulations=False,  # the permuted statistics are not reported; same p_sim
            ),
        )
        # without stored simulations esda's kernel returns p_sim in float32; (count + 1) / (P + 1) in float64
        # is the value esda reports when it keeps them
        p_raw = np.rint(np.asarray(est.p_sim, dtype=float) * (permutations + 1)) / (permutations + 1)
        statistic, z_side = np.asarray(est.Is, dtype=float), zx
    else:
        wmat = graph.sparse
        est = _run_esda(
            esda_seed,
            lambda: Spatial_Pearson_Local(connectivity=wmat, permutations=permutations).fit(
                xv.reshape(-1, 1), yv.reshape(-1, 1)
            ),
        )
        statistic, p_raw, z_side = (
            np.asarray(est.associations_, dtype=float).ravel(),
            est.significance_,
            wmat @ zx,
        )
    p_sim = np.where(_islands(graph), np.nan, np.asarray(p_raw, dtype=float).ravel())
    threshold = _cutoff(p_sim, alpha, fdr)
    significant = p_sim <= threshold
    quadrant = _quadrant(z_side, lag_y)
    frame = pd.DataFrame(
        {
            "value": xv,
            "value_y": yv,
            "z": z_side,
            "lag_z": lag_y,
            "statistic": statistic,
            "p_sim": p_sim,
            "quadrant": quadrant,
            "significant": significant,
            "cluster": np.where(significant, quadrant, NOT_SIGNIFICANT),
        },
        index=xs.index,
    )
    return BivariateLisaResult(
        f"{x}, {y}",
        period,
        float(alpha),
        fdr,
        threshold,
        permutations,
        esda_seed,
        frame,
        panel.geometry,
        _islands(graph),
        method=method,
    )
