"""Distribution dynamics as Markov chains: classic, spatial (lag-conditioned) and LISA Markov chains.

The regions' values are classified into ``k`` classes (quantiles of the pooled panel by default, of each period
with ``fixed=False``, or the user's ``cutoffs``) and each region's move from its class in ``t`` to its class in
``t + 1`` is counted.  The maximum-likelihood transition probability is ``p_ij = n_ij / n_i`` (Kemeny and Snell
1976).  The spatial Markov chain (Rey 2001) conditions the transitions on the class of the region's spatial lag
(row-standardised weights) in ``t``; the homogeneity tests of Bickenbach and Bode (2003) ask whether the
conditional matrices differ from the pooled one (LR and Pearson chi2, ``Q``).  The LISA Markov chain (Rey 2001)
follows the regions' Moran scatter quadrants (High-High, Low-High, Low-Low, High-Low) over time.

The engine is :mod:`giddy` (PySAL): spillover checks and prepares the regions x periods matrix, the classes and
the weights, calls :class:`giddy.markov.Markov`, :class:`giddy.markov.Spatial_Markov` and
:class:`giddy.markov.LISA_Markov`, and the steady state and mean first passage times of
:mod:`giddy.ergodic`.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spillover._readonly import ReadOnly
from spillover.errors import PanelError, SpilloverError, WeightsError, format_items
from spillover.options import check_int
from spillover.panel import SpatialPanel
from spillover.summary import Summary

__all__ = [
    "LisaMarkovResult",
    "MarkovResult",
    "SpatialMarkovResult",
    "lisa_markov",
    "markov",
    "spatial_markov",
]

#: Quadrants of :class:`giddy.markov.LISA_Markov` (classes 1..4), as esda names them.
LISA_QUADRANTS: tuple[str, ...] = ("High-High", "Low-High", "Low-Low", "High-Low")


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class MarkovResult(ReadOnly):
    """A classic Markov chain of a variable's classes; read-only.

    Attributes
    ----------
    variable
        The analysed variable.
    classes
        The class labels (``C1`` lowest ... ``Ck`` highest).
    cutoffs
        Upper bounds of the classes but the last (``None`` with ``fixed=False``: they change per period).
    fixed
        Whether the classes are those of the pooled panel (or user cutoffs) rather than per period.
    matrix
        Transition probabilities ``P`` (rows: class in ``t``, columns: class in ``t + 1``; rows sum to 1, a
        class never left from is a zero row).
    counts
        Transition counts ``n_ij``.
    steady_state
        Ergodic distribution ``pi`` with ``pi P = pi`` (NaN when the chain has no unique one; 0 for the
        transient classes of a reducible chain with one recurrent class).
    mfpt
        Mean first passage times (periods to reach column class from row class; the diagonal holds the
        mean recurrence times ``1 / pi_i``, ``inf`` for a transient class; ``inf`` where a class cannot be
        reached).
    class_ids
        Each region's class label per period (regions x periods).
    """

    variable: str
    classes: tuple[str, ...]
    cutoffs: tuple[float, ...] | None
    fixed: bool
    matrix: pd.DataFrame
    counts: pd.DataFrame
    steady_state: pd.Series
    mfpt: pd.DataFrame
    class_ids: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Long table of transitions: ``from``, ``to``, ``count``, ``probability``."""
        return _long(self.counts, self.matrix)

    def summary(self) -> Summary:
        """Transition matrix (with counts per row), steady state and mean first passage times."""
        mat = _with_row_counts(self.counts, self.matrix)
        header = {"variable": self.variable, "classes": len(self.classes), "fixed": self.fixed}
        if self.cutoffs is not None:
            header["cutoffs"] = ", ".join(f"{c:.4g}" for c in self.cutoffs)
        return Summary(
            "Markov chain transition probabilities",
            (mat, self.steady_state.to_frame().T, self.mfpt),
            header,
            captions=("Transition probabilities", "Steady state", "Mean first passage times"),
        )


@dataclass(frozen=True)
class SpatialMarkovResult(ReadOnly):
    """A spatial Markov chain: transitions conditioned on the class of the spatial lag; read-only.

    Attributes
    ----------
    variable, classes, cutoffs, fixed, matrix, counts, steady_state, mfpt, class_ids
        As in :class:`MarkovResult` (the pooled, unconditioned chain).
    lag_classes
        Labels of the spatial-lag classes (``L1`` lowest ... ``Lm`` highest).
    lag_cutoffs
        Upper bounds of the lag classes but the last (``None`` with ``fixed=False``).
    conditional
        Conditional transition probabilities, index (``lag``, ``from``) and columns the classes in ``t + 1``.
    conditional_counts
        Their counts, same layout.
    conditional_steady_state
        Steady state of each conditional matrix (rows: lag classes; NaN where it is not unique).
    conditional_mfpt
        Mean first passage times of each conditional matrix, index (``lag``, ``from``).
    tests
        Homogeneity tests (H0: the conditional matrices equal the pooled one): ``LR`` and ``Q`` (Pearson chi2)
        of Bickenbach and Bode (2003) and Rey's ``chi2`` (the sum of the per-lag-class tests), with
        ``statistic``, ``df``, ``p_value``, ``null``.
    """

    variable: str
    classes: tuple[str, ...]
    cutoffs: tuple[float, ...] | None
    fixed: bool
    matrix: pd.DataFrame
    counts: pd.DataFrame
    steady_state: pd.Series
    mfpt: pd.DataFrame
    lag_classes: tuple[str, ...]
    lag_cutoffs: tuple[float, ...] | None
    conditional: pd.DataFrame
    conditional_counts: pd.DataFrame
    conditional_steady_state: pd.DataFrame
    conditional_mfpt: pd.DataFrame
    tests: pd.DataFrame
    class_ids: pd.DataFrame = field(repr=False)
    lag_class_ids: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Long table of the conditional transitions: ``lag``, ``from``, ``to``, ``count``, ``probability``."""
        rows = []
        for lag in self.lag_classes:
            part = _long(self.conditional_counts.loc[lag], self.conditional.loc[lag])
            part.insert(0, "lag", lag)
            rows.append(part)
        return pd.concat(rows, ignore_index=True)

    def summary(self) -> Summary:
        """Pooled and conditional matrices, conditional steady states and the homogeneity tests."""
        pooled = _with_row_counts(self.counts, self.matrix)
        cond = _with_row_counts(self.conditional_counts, self.conditional)
        header = {"variable": self.variable, "classes": len(self.classes), "fixed": self.fixed}
        return Summary(
            "Spatial Markov chain",
            (pooled, cond, self.conditional_steady_state, self.tests),
            header,
            captions=(
                "Pooled transition probabilities",
                "Transition probabilities conditioned on the spatial lag class",
                "Steady states of the conditional chains",
                "Homogeneity tests",
            ),
        )


@dataclass(frozen=True)
class LisaMarkovResult(ReadOnly):
    """A LISA Markov chain over the Moran scatter quadrants; read-only.

    Attributes
    ----------
    variable
        The analysed variable.
    classes
        ``High-High``, ``Low-High``, ``Low-Low``, ``High-Low`` (giddy's classes 1..4).
    matrix, counts, steady_state, mfpt
        As in :class:`MarkovResult`.
    tests
        giddy's chi2 test of independence of the region's and its lag's moves (``statistic``, ``df``,
        ``p_value``, ``null``).
    quadrants
        Each region's quadrant per period (regions x periods).
    """

    variable: str
    classes: tuple[str, ...]
    matrix: pd.DataFrame
    counts: pd.DataFrame
    steady_state: pd.Series
    mfpt: pd.DataFrame
    tests: pd.DataFrame
    quadrants: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Long table of transitions: ``from``, ``to``, ``count``, ``probability``."""
        return _long(self.counts, self.matrix)

    def summary(self) -> Summary:
        """Transition matrix, steady state and the independence test."""
        mat = _with_row_counts(self.counts, self.matrix)
        return Summary(
            "LISA Markov chain",
            (mat, self.steady_state.to_frame().T, self.tests),
            {"variable": self.variable},
            captions=("Transition probabilities", "Steady state", "Independence test"),
        )


# ---------------------------------------------------------------------- public functions
def markov(
    panel: SpatialPanel,
    var: str,
    k: int = 4,
    cutoffs: Sequence[float] | None = None,
    fixed: bool = True,
) -> MarkovResult:
    """Classic Markov chain of ``var``'s classes (giddy's :class:`~giddy.markov.Markov`).

    Parameters
    ----------
    panel
        The spatial panel (at least two periods, ``var`` complete).
    var
        Variable to classify.
    k
        Number of quantile classes (ignored with ``cutoffs``).
    cutoffs
        Increasing upper bounds of the classes but the last (``k = len(cutoffs) + 1`` classes); the last class
        is open above.
    fixed
        ``True``: quantiles of the pooled panel (classes comparable across periods); ``False``: quantiles of
        each period (relative positions).

    Examples
    --------
    >>> import spillover as so
    >>> res = markov(so.datasets.us_states(), "ln_gsp", k=4)
    >>> res.matrix.shape, bool(abs(res.matrix.sum(axis=1) - 1).max() < 1e-12)
    ((4, 4), True)
    """
    from giddy.markov import Markov

    y = _matrix(panel, var)
    ids, cut = _classify(y.to_numpy(), k, cutoffs, fixed, var)
    labels = _labels("C", ids.max() + 1 if cut is None else len(cut) + 1)
    with _quiet():
        m = Markov(ids, classes=np.arange(len(labels)), summary=False)
    counts = _counts(m.transitions, labels)
    p = np.asarray(m.p, dtype=float)
    return MarkovResult(
        var,
        labels,
        cut,
        cutoffs is not None or bool(fixed),
        _frame(p, labels),
        counts,
        _steady(p, labels),
        _mfpt(p, labels),
        _ids_frame(ids, y, labels),
    )


def spatial_markov(
    panel: SpatialPanel,
    var: str,
    w: Any,
    k: int = 4,
    fixed: bool = True,
) -> SpatialMarkovResult:
    """Spatial Markov chain of ``var`` (giddy's :class:`~giddy.markov.Spatial_Markov`, Rey 2001).

    The transitions are conditioned on the class of the region's spatial lag ``W y`` in ``t`` (``W``
    row-standardised); ``k`` quantile classes for the values and ``k`` for the lags, pooled (``fixed=True``)
    or per period.  ``tests`` holds the homogeneity tests of Bickenbach and Bode (2003).

    Parameters
    ----------
    panel, var, k, fixed
        As in :func:`markov`.
    w
        Spatial weights over the panel's regions (a libpysal ``Graph`` or ``W`` or a square DataFrame);
        row-standardised here.

    Examples
    --------
    >>> import spillover as so
    >>> panel = so.datasets.us_states()
    >>> w = so.weights.contiguity(panel.geometry, kind="queen")
    >>> res = spatial_markov(panel, "ln_gsp", w, k=4)
    >>> res.conditional.shape, list(res.tests.index)
    ((16, 4), ['LR', 'Q', 'chi2'])
    """
    from giddy.markov import Spatial_Markov

    y = _matrix(panel, var)
    check_int(k, "k", minimum=2)
    _classify(y.to_numpy(), k, None, fixed, var)  # the same checks (enough distinct values) as markov
    wl = _libpysal_w(w, panel)
    with _quiet():
        sm = Spatial_Markov(y.to_numpy(), wl, k=k, m=k, fixed=bool(fixed))
        labels = _labels("C", int(sm.k))
        lags = _labels("L", int(sm.m))
        p = np.asarray(sm.p, dtype=float)
        cond = np.asarray(sm.P, dtype=float)
        tcount = _integers(sm.T)
        tests = pd.DataFrame(
            {
                "statistic": [float(sm.LR), float(sm.Q), float(sm.x2)],
                "df": [float(sm.dof_hom), float(sm.dof_hom), float(sm.x2_dof)],
                "p_value": [float(sm.LR_p_value), float(sm.Q_p_value), float(sm.x2_pvalue)],
                "null": ["the transition matrices do not depend on the lag class"] * 3,
            },
            index=pd.Index(["LR", "Q", "chi2"], name="test"),
        )
        lag_ids = np.asarray(sm.lclass_ids)
        class_ids = np.asarray(sm.class_ids)
        cut = None if sm.cutoffs is None else tuple(float(c) for c in sm.cutoffs)
        lag_cut = None if sm.lag_cutoffs is None else tuple(float(c) for c in sm.lag_cutoffs)
    index = pd.MultiIndex.from_product([lags, labels], names=["lag", "from"])
    return SpatialMarkovResult(
        var,
        labels,
        cut,
        bool(fixed),
        _frame(p, labels),
        _counts(sm.transitions, labels),
        _steady(p, labels),
        _mfpt(p, labels),
        lags,
        lag_cut,
        pd.DataFrame(cond.reshape(-1, len(labels)), index=index, columns=labels),
        pd.DataFrame(tcount.reshape(-1, len(labels)), index=index, columns=labels),
        pd.DataFrame([_steady(c, labels) for c in cond], index=pd.Index(lags, name="lag")),
        pd.concat([_mfpt(c, labels) for c in cond], keys=lags, names=["lag", "from"]),
        tests,
        _ids_frame(class_ids, y, labels),
        _ids_frame(lag_ids, y, lags),
    )


def lisa_markov(panel: SpatialPanel, var: str, w: Any) -> LisaMarkovResult:
    """LISA Markov chain of ``var`` (giddy's :class:`~giddy.markov.LISA_Markov`, Rey 2001).

    Each region is in the Moran scatter quadrant of its (period-centred) value and its spatial lag
    (``W`` row-standardised); the chain counts the moves between quadrants.

    Examples
    --------
    >>> import spillover as so
    >>> panel = so.datasets.us_states()
    >>> w = so.weights.contiguity(panel.geometry, kind="queen")
    >>> lisa_markov(panel, "ln_gsp", w).classes
    ('High-High', 'Low-High', 'Low-Low', 'High-Low')
    """
    from giddy.markov import LISA_Markov

    y = _matrix(panel, var)
    wl = _libpysal_w(w, panel)
    for period in y.columns:
        if np.ptp(y[period].to_numpy()) == 0:
            raise SpilloverError(f"variable {var!r} is constant in period {period!r}: it has no quadrants.")
    with _quiet():
        lm = LISA_Markov(y.to_numpy(), wl)
        p = np.asarray(lm.p, dtype=float)
        chi = lm.chi_2
    labels = LISA_QUADRANTS
    tests = pd.DataFrame(
        {
            "statistic": [float(chi[0])],
            "df": [float(chi[2])],
            "p_value": [float(chi[1])],
            "null": ["the region's and its lag's moves are independent"],
        },
        index=pd.Index(["chi2"], name="test"),
    )
    quad = pd.DataFrame(
        np.asarray(LISA_QUADRANTS, dtype=object)[np.asarray(lm.q) - 1], index=y.index, columns=y.columns
    )
    return LisaMarkovResult(
        var,
        labels,
        _frame(p, labels),
        _counts(lm.transitions, labels),
        _steady(p, labels),
        _mfpt(p, labels),
        tests,
        quad,
    )


# ---------------------------------------------------------------------- internals
@contextlib.contextmanager
def _quiet() -> Any:
    """giddy prints chain summaries and warns about reducible chains; the results say it instead."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _matrix(panel: SpatialPanel, var: str) -> pd.DataFrame:
    if not isinstance(panel, SpatialPanel):
        raise PanelError(f"panel must be a spillover.SpatialPanel, got {type(panel).__name__}.")
    if var not in panel.variables:
        raise PanelError(
            f"variable {var!r} is not in the panel; its variables are {format_items(panel.variables)}."
        )
    y = panel.matrix(var).astype(float)
    if y.shape[1] < 2:
        raise PanelError(f"a Markov chain needs at least two periods; the panel has {y.shape[1]}.")
    return y


def _classify(
    y: np.ndarray, k: int, cutoffs: Sequence[float] | None, fixed: bool, var: str
) -> tuple[np.ndarray, tuple[float, ...] | None]:
    """Class ids (0 lowest) of a regions x periods array and the cutoffs (mapclassify, as giddy does)."""
    import mapclassify as mc

    if cutoffs is not None:
        cut = np.asarray(list(cutoffs), dtype=float)
        if cut.ndim != 1 or cut.size == 0 or not np.all(np.isfinite(cut)) or np.any(np.diff(cut) <= 0):
            raise SpilloverError(f"cutoffs must be finite and strictly increasing; got {list(cutoffs)!r}.")
        ids = mc.UserDefined(y.ravel(), np.append(cut, np.inf)).yb.reshape(y.shape)
        return np.asarray(ids, dtype=int), tuple(float(c) for c in cut)
    check_int(k, "k", minimum=2)
    cols = [y.ravel()] if fixed else [y[:, j] for j in range(y.shape[1])]
    for j, col in enumerate(cols):
        distinct = np.unique(col).size
        if distinct < k:
            where = "the pooled panel" if fixed else f"period {j + 1}"
            raise SpilloverError(
                f"variable {var!r} has {distinct} distinct value(s) in {where}, fewer than k={k} classes."
            )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fixed:
            q = mc.Quantiles(y.ravel(), k=k)
            return np.asarray(q.yb, dtype=int).reshape(y.shape), tuple(float(b) for b in q.bins[:-1])
        ids = np.column_stack([mc.Quantiles(y[:, j], k=k).yb for j in range(y.shape[1])])
    return np.asarray(ids, dtype=int), None


def _libpysal_w(w: Any, panel: SpatialPanel) -> Any:
    """The weights in the panel's region order, row-standardised, as the libpysal ``W`` giddy expects."""
    from libpysal.weights import W

    from spillover.weights import align, to_sparse

    graph = align(w, panel.ids).transform("R")
    mat = to_sparse(graph, panel.ids)  # islands: the weights module warns (their lag is 0)
    if mat.nnz == 0:
        raise WeightsError("the weights have no links at all (every region is an island); rebuild them.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return W.from_sparse(mat.tocsr())


def _labels(prefix: str, k: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i + 1}" for i in range(int(k)))


def _frame(p: np.ndarray, labels: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(p, index=pd.Index(labels, name="from"), columns=pd.Index(labels, name="to"))


def _steady(p: np.ndarray, labels: Sequence[str]) -> pd.Series:
    """giddy's steady state; NaN when there is no unique one (a reducible chain, an empty class)."""
    from giddy.ergodic import steady_state

    out = np.full(len(labels), np.nan)
    if np.all(np.abs(p.sum(axis=1) - 1) < 1e-9):
        with _quiet():
            try:
                s = np.asarray(steady_state(p), dtype=float)
                if s.ndim == 2 and s.shape[0] == 1:  # a reducible chain with one recurrent class
                    s = s[0]
            except (np.linalg.LinAlgError, ValueError, ZeroDivisionError):  # a singular chain
                s = out
        if s.shape == out.shape and np.all(np.isfinite(s)):
            out = s
    return pd.Series(out, index=pd.Index(labels, name="class"), name="steady_state")


def _mfpt(p: np.ndarray, labels: Sequence[str]) -> pd.DataFrame:
    """giddy's mean first passage times; NaN when they are not defined."""
    from giddy.ergodic import mfpt

    out = np.full((len(labels), len(labels)), np.nan)
    if np.all(np.abs(p.sum(axis=1) - 1) < 1e-9):
        with _quiet():
            try:
                f = np.asarray(mfpt(p), dtype=float)
            except (np.linalg.LinAlgError, ValueError, ZeroDivisionError):  # a singular chain
                f = out
        if f.shape == out.shape:
            out = f
            pi = _steady(p, labels).to_numpy()
            transient = np.isfinite(pi) & (pi == 0)
            out[transient, transient] = np.inf  # never returns: giddy gives a huge round-off number
    return pd.DataFrame(out, index=pd.Index(labels, name="from"), columns=pd.Index(labels, name="to"))


def _integers(values: Any) -> np.ndarray:
    """Transition counts as integers (giddy returns them as floats): summaries and tables print them as
    counts, not with decimals."""
    arr = np.asarray(values, dtype=float)
    return np.rint(arr).astype(np.int64)


def _counts(values: Any, labels: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(_integers(values), index=list(labels), columns=list(labels))


def _ids_frame(ids: np.ndarray, y: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(labels, dtype=object)[ids], index=y.index, columns=y.columns)


def _with_row_counts(counts: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """The transition matrix with each row's number of transitions, ``n``, in front (the summaries' table)."""
    out = matrix.copy()
    out.insert(0, "n", counts.sum(axis=1))
    return out


def _long(counts: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    c = counts.rename_axis(index="from", columns="to").stack().rename("count")
    p = matrix.rename_axis(index="from", columns="to").stack().rename("probability")
    return pd.concat([c, p], axis=1).reset_index()
