"""Staggered-adoption event studies with pyfixest as the engine.

Each region's first treated period ``g_i`` (never-treated: none) gives its event time ``l = t - g_i``,
binned at the window's ends (``l <= lo`` counts as ``lo``, ``ell >= hi`` as ``hi``); ``l = -1`` is the
reference period.  Three estimators:

* ``"twfe"``: ``y_it = sum_{ell != -1} beta_l 1[l_it = l] + mu_i + lambda_t + e_it`` (``pf.feols``); the
  never-treated are in the reference group.  Biased under heterogeneous effects across cohorts;
* ``"sun_abraham"``: the interacted regression of Sun and Abraham (2021) (one dummy per cohort x event
  time, the never-treated (or, without them, the last-treated cohort before its treatment) as the control
  group, ``pf.feols``), then ``beta_l = sum_g w_gl delta_gl`` with ``w_gl`` the cohort shares of the
  region-periods at event time ``l``, standard errors by the delta method (the same aggregation as
  pyfixest's ``SaturatedEventStudy.aggregate``);
* ``"did2s"``: Gardner's two-stage estimator (``pf.did2s``): the fixed effects from the untreated
  region-periods, then the event-time dummies on the residualised outcome, with its GMM standard errors;
* ``"callaway_santanna"``: Callaway and Sant'Anna's (2021) ATT(g, t) against the never-treated
  (``control="never"``) or the not-yet-treated (``"notyet"``), aggregated by event time, with the
  optional diff-diff package as the engine (:mod:`spillover.causal._callaway`); no exposure terms.

With ``w=``, the exposure ``E_it = sum_j w_ij 1[t >= g_j]`` (share of treated neighbours) enters as a
regressor; for did2s the first stage uses only clean controls (untreated and unexposed).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.causal._callaway import callaway_santanna
from spillover.causal._common import adoption_times, check_columns, w_exposure
from spillover.errors import ModelError
from spillover.options import check_option, check_probability
from spillover.panel import SpatialPanel
from spillover.panel_models._pyfixest import feols, keep_root_logging  # pyfixest, quiet as everywhere
from spillover.spatial import TestResult
from spillover.summary import COLUMNS, Summary, coefficient_frame

__all__ = ["EventStudyResult", "event_study", "EventMethod", "EventControl", "event_estimates"]

EventMethod = Literal["sun_abraham", "did2s", "twfe", "callaway_santanna"]
EventControl = Literal["never", "notyet"]
_METHOD_NAMES = {
    "sun_abraham": "Sun-Abraham (2021)",
    "did2s": "Gardner did2s",
    "twfe": "TWFE event study",
    "callaway_santanna": "Callaway-Sant'Anna (2021)",
}


@dataclass(frozen=True)
class EventStudyResult(ReadOnly):
    """Result of :func:`event_study`; read-only.

    Attributes
    ----------
    y_name, treat_time, method, window, level
        The outcome, the adoption column, the estimator, the binned window and the confidence level.
    pretrend
        Joint Wald test that every pre-period coefficient (event times ``lo .. -2``) is zero
        (chi2 with as many degrees of freedom, the estimator's cluster-robust covariance; for
        Callaway-Sant'Anna the covariance of the aggregated influence functions).
    control
        Callaway-Sant'Anna's control group (``"never"`` or ``"notyet"``); None for the other methods.
    exposure
        The exposure term's row (:data:`~spillover.summary.COLUMNS`) when ``w`` was given, else None.
    nobs, n_clusters
        Observations and clusters of the regression.
    """

    y_name: str
    treat_time: str
    method: str
    window: tuple[int, int]
    level: float
    pretrend: TestResult | None
    exposure: pd.DataFrame | None
    nobs: int
    n_clusters: int | None
    controls: tuple[str, ...]
    cluster: str | None
    _coefs: pd.DataFrame = field(repr=False)
    _cov: pd.DataFrame = field(repr=False)
    _panel: SpatialPanel = field(repr=False)
    _w: Any = field(repr=False, default=None)
    control: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per event time (index ``event_time``; the reference ``-1`` included with estimate 0 and
        NaN elsewhere), :data:`~spillover.summary.COLUMNS` (t statistics, t(G-1) p-values and intervals
        at :attr:`level`), ``reference`` (True on the reference row) and ``binned`` (True at the window's
        ends, which pool the event times beyond them)."""
        return self._coefs.copy()

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance of the event-time coefficients (reference excluded)."""
        return self._cov.copy()

    @property
    def att(self) -> float:
        """The average of the post-period coefficients (event times 0 .. hi)."""
        c = self._coefs
        return float(c.loc[c.index >= 0, "estimate"].mean())

    def summary(self) -> Summary:
        """Coefficients per event time, the pre-trend test and the design."""
        ends = "binned ends" if self._coefs["binned"].any() else "event times outside dropped"
        header: dict[str, Any] = {
            "Outcome": self.y_name,
            "Adoption": self.treat_time,
            "Estimator": _METHOD_NAMES[self.method],
            "Window": f"{self.window[0]} .. {self.window[1]} ({ends}), reference -1",
            "Observations": self.nobs,
            "Std. errors": f"clustered by {self.cluster}" if self.cluster else "iid",
        }
        if self.control is not None:
            header["Controls"] = {"never": "never treated", "notyet": "not yet treated"}[self.control]
        if self.pretrend is not None:
            header["Pre-trend test"] = (
                f"chi2({self.pretrend.df}) = {self.pretrend.statistic:.3f}, p = {self.pretrend.pvalue:.4f}"
            )
        tables: tuple[pd.DataFrame, ...] = (self.to_frame(),)
        captions: tuple[str, ...] = ("Event-time coefficients",)
        if self.exposure is not None:
            tables += (self.exposure,)
            captions += ("Exposure to treated neighbours",)
        return Summary(f"Event study of {self.y_name}", tables, header=header, captions=captions)

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    @property
    def table_dependent(self) -> str:
        """Protocol of :mod:`spillover.tables`: the outcome."""
        return self.y_name

    def table_coefficients(self) -> pd.DataFrame:
        """Protocol of :mod:`spillover.tables`: one row per event time (``l=-4`` ...)."""
        c = self._coefs.loc[~self._coefs["reference"], ["estimate", "std_error", "p_value"]]
        c.index = [f"l={int(i)}" for i in c.index]
        return c

    def table_statistics(self, digits: int = 3) -> dict[str, str]:
        """Protocol of :mod:`spillover.tables`: estimator, N, pre-trend p-value."""
        rows = {"Estimator": _METHOD_NAMES[self.method], "N": str(self.nobs)}
        if self.pretrend is not None:
            rows["Pre-trend p"] = f"{self.pretrend.pvalue:.{digits}f}"
        return rows


# ---------------------------------------------------------------------- the data
def _check_window(window: Any) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in window)
        ok = all(float(v) == int(v) for v in window)
    except (TypeError, ValueError):
        ok = False
    if not ok or not (lo <= -2 and hi >= 0):
        raise ModelError(
            f"window must be two integers (lo, hi) with lo <= -2 and hi >= 0, e.g. (-4, 4); got {window!r}."
        )
    return lo, hi


def _ev_name(ell: int) -> str:
    return f"ev_m{-ell}" if ell < 0 else f"ev_{ell}"


def event_frame(
    panel: SpatialPanel, y: str, g: pd.Series, controls: Sequence[str], lo: int, hi: int, w: Any
) -> pd.DataFrame:
    """The long data of the regressions: y, controls, ``unit``, ``time``, ``g`` (0: never), ``rel``
    (binned, never-treated at -1), ``treated``, ``exposure`` (with w) and ``cl_*`` clusters."""
    data = panel.data
    out = pd.DataFrame({"y": data[y].to_numpy(dtype=float)})
    for i, c in enumerate(controls):
        out[f"x{i}"] = data[c].to_numpy(dtype=float)
    ids = data.index.get_level_values(0)
    out["unit"] = pd.Index(panel.ids).get_indexer(ids)
    out["time"] = data.index.get_level_values(1).to_numpy(dtype=float)
    gg = g.reindex(ids).to_numpy(dtype=float)
    out["g"] = np.where(np.isnan(gg), 0.0, gg)
    rel = out["time"] - gg
    out["treated"] = (rel >= 0).astype(float)
    out["rel"] = np.where(np.isnan(rel), -1, np.clip(rel, lo, hi)).astype(int)
    if w is not None:
        d = pd.DataFrame(
            (panel.periods.to_numpy(dtype=float)[None, :] >= g.to_numpy()[:, None]).astype(float),
            index=panel.ids,
            columns=panel.periods,
        )
        out["exposure"] = w_exposure(panel, d, w).to_numpy().ravel()  # region-major, as panel.data
    return out


def _vcov(data: pd.DataFrame, panel: SpatialPanel, cluster: str | None) -> tuple[Any, str | None]:
    if cluster is None or cluster == "none":
        return "iid", None
    if cluster == "unit":
        data["cl"] = data["unit"]
    elif cluster == "time":
        data["cl"] = data["time"]
    else:
        check_columns(panel, [cluster], "cluster column")
        data["cl"] = pd.factorize(panel.data[cluster])[0]
    return {"CRV1": "cl"}, "cl"


# ---------------------------------------------------------------------- the estimators
@dataclass(frozen=True)
class _Fit:
    params: pd.Series  # event-time coefficients by event time (reference excluded), then "exposure"
    cov: pd.DataFrame
    df: float
    nobs: int
    n_clusters: int | None


def _from_pf(fit: Any, names: dict[str, Any]) -> _Fit:
    coef = fit.coef()
    keep = [c for c in names if c in coef.index]
    pos = [list(coef.index).index(c) for c in keep]
    labels = [names[c] for c in keep]
    params = pd.Series(coef.to_numpy()[pos], index=labels)
    cov = pd.DataFrame(np.asarray(fit._vcov)[np.ix_(pos, pos)], index=labels, columns=labels)
    g = getattr(fit, "_G", None)
    n_cl = int(np.min(g)) if g is not None and fit._vcov_type == "CRV" else None
    return _Fit(params, cov, float(fit._df_t), int(fit._N), n_cl)


def _twfe(data: pd.DataFrame, lo: int, hi: int, xs: list[str], vcov: Any) -> _Fit:
    names: dict[str, Any] = {}
    for ell in range(lo, hi + 1):
        if ell != -1:
            data[_ev_name(ell)] = (data["rel"] == ell).astype(float)
            names[_ev_name(ell)] = ell
    names |= {"exposure": "exposure"} if "exposure" in xs else {}
    rhs = [n for n in names if n != "exposure"] + xs
    with keep_root_logging(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = feols(f"y ~ {' + '.join(rhs)} | unit + time", data=data, vcov=vcov)
    return _from_pf(fit, names)


def _sun_abraham(data: pd.DataFrame, lo: int, hi: int, xs: list[str], vcov: Any) -> _Fit:
    cohorts = sorted(c for c in data["g"].unique() if c != 0)
    if (data["g"] == 0).any():
        sample = data
    else:  # no never-treated: the last cohort is the control group until it is treated
        last = cohorts.pop()
        sample = data.loc[data["time"] < last].copy()
        sample.loc[sample["g"] == last, "g"] = 0
        if not cohorts:
            raise ModelError("Sun-Abraham needs never-treated regions or at least two adoption cohorts.")
    cells: dict[str, tuple[float, int]] = {}
    for k, gval in enumerate(cohorts):
        in_g = sample["g"] == gval
        for ell in range(lo, hi + 1):
            if ell == -1:
                continue
            col = (in_g & (sample["rel"] == ell)).astype(float)
            if col.any():
                name = f"sa{k}_{_ev_name(ell)}"
                sample[name] = col
                cells[name] = (gval, ell)
    extra = {"exposure": "exposure"} if "exposure" in xs else {}
    with keep_root_logging(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = feols(f"y ~ {' + '.join([*cells, *xs])} | unit + time", data=sample, vcov=vcov)
    inner = _from_pf(fit, {n: n for n in cells} | extra)
    collinear = set(cells) - set(inner.params.index)
    if collinear:
        raise ModelError(f"Sun-Abraham cells {sorted(collinear)} are collinear with the fixed effects.")
    # cohort shares of the region-periods at each event time (Sun & Abraham 2021, eq. 7)
    counts = pd.Series({n: float(sample[n].sum()) for n in cells})
    events = [ell for ell in range(lo, hi + 1) if ell != -1 and any(cells[n][1] == ell for n in cells)]
    r = np.zeros((len(events) + len(extra), len(inner.params)))
    index = list(inner.params.index)
    for row, ell in enumerate(events):
        members = [n for n in cells if cells[n][1] == ell]
        total = counts[members].sum()
        for n in members:
            r[row, index.index(n)] = counts[n] / total
    if extra:
        r[-1, index.index("exposure")] = 1.0
    labels: list[Any] = [*events, *extra]
    params = pd.Series(r @ inner.params.to_numpy(), index=labels)
    cov = pd.DataFrame(r @ inner.cov.to_numpy() @ r.T, index=labels, columns=labels)
    return _Fit(params, cov, inner.df, inner.nobs, inner.n_clusters)


def _did2s(data: pd.DataFrame, lo: int, hi: int, xs: list[str], cluster: str | None) -> _Fit:
    if cluster is None:
        raise ModelError("did2s needs clustered standard errors (cluster='unit', 'time' or a column).")
    names: dict[str, Any] = {}
    for ell in range(lo, hi + 1):
        if ell != -1:
            data[_ev_name(ell)] = (data["rel"] == ell).astype(float)
            names[_ev_name(ell)] = ell
    controls = [x for x in xs if x != "exposure"]
    data["first_out"] = data["treated"]
    second = list(names)
    if "exposure" in xs:  # the first stage on clean controls only: untreated and unexposed
        data["first_out"] = ((data["treated"] > 0) | (data["exposure"] > 0)).astype(float)
        second.append("exposure")
        names["exposure"] = "exposure"
    first = f"~ {' + '.join(controls) if controls else '0'} | unit + time"
    import pyfixest as pf  # did2s is pyfixest's own two-stage estimator

    with keep_root_logging(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.did2s(
            data,
            yname="y",
            first_stage=first,
            second_stage=f"~ {' + '.join(second)}",
            treatment="first_out",
            cluster="cl",
        )
    return _from_pf(fit, names)


def event_estimates(
    panel: SpatialPanel,
    y: str,
    g: pd.Series,
    *,
    window: tuple[int, int],
    method: str,
    controls: Sequence[str],
    cluster: str | None,
    w: Any,
    control: str | None = None,
) -> _Fit:
    """The estimator's coefficients for adoption times ``g`` (the panel's own, or a placebo's)."""
    lo, hi = window
    if method == "callaway_santanna":
        params, cov, nobs, n_cl = callaway_santanna(
            panel, y, g, window=window, control=control or "never", controls=controls, cluster=cluster
        )
        return _Fit(params, cov, np.inf, nobs, n_cl)  # normal inference, as diff-diff and R did
    data = event_frame(panel, y, g, controls, lo, hi, w)
    vcov, cl = _vcov(data, panel, cluster)
    xs = [f"x{i}" for i in range(len(controls))] + (["exposure"] if w is not None else [])
    if method == "twfe":
        return _twfe(data, lo, hi, xs, vcov)
    if method == "sun_abraham":
        return _sun_abraham(data, lo, hi, xs, vcov)
    return _did2s(data, lo, hi, xs, cl)


def event_study(
    panel: SpatialPanel,
    y: str,
    treat_time: str,
    *,
    w: Any = None,
    window: tuple[int, int] = (-4, 4),
    method: EventMethod = "sun_abraham",
    controls: Sequence[str] = (),
    cluster: str | None = "unit",
    level: float = 0.95,
    control: EventControl = "never",
) -> EventStudyResult:
    """Event study of a staggered adoption, heterogeneity-robust by default (pyfixest as the engine).

    .. math:: y_{it} = \\sum_{l \\ne -1} \\beta_l 1[t - g_i = l] + \\mu_i + \\lambda_t + \\varepsilon_{it}

    Parameters
    ----------
    panel, y
        The panel (numeric periods) and the outcome.
    treat_time
        A column holding each region's first treated period, the same in every row of the region (NaN or 0:
        never treated).
    w
        Weights: adds the exposure ``E_it = sum_j w_ij 1[t >= g_j]`` (share of treated neighbours).
    window
        ``(lo, hi)``, ``lo <= -2 < 0 <= hi``: event times reported, the ends binned (``l <= lo`` pooled in
        ``lo``, ``ell >= hi`` in ``hi``); ``-1`` is the reference.
    method
        ``"sun_abraham"`` (interaction-weighted, default), ``"did2s"`` (Gardner's two stages), ``"twfe"``
        or ``"callaway_santanna"`` (needs ``pip install spillover[causal]``; no ``w``; the event times in
        the window are kept, not binned; universal base period).
    controls
        Further regressors (columns).
    cluster
        ``"unit"`` (region, default), ``"time"``, a column, or None (iid; not for did2s).
    level
        Confidence level of the intervals.
    control
        Callaway-Sant'Anna's comparison group: ``"never"`` (never-treated regions, default) or ``"notyet"``
        (regions not yet treated at t); only with ``method="callaway_santanna"``.

    Returns
    -------
    EventStudyResult
        ``to_frame()`` per event time, ``pretrend`` (joint Wald test of the leads), ``exposure``, ``att``.
    """
    check_option(method, EventMethod, "method", error=ModelError)
    check_option(control, EventControl, "control", error=ModelError)
    if method == "callaway_santanna" and w is not None:
        raise ModelError(
            "method='callaway_santanna' has no exposure terms: drop w= or use method='sun_abraham' or "
            "'did2s' (which add the exposure to treated neighbours as a regressor)."
        )
    if method != "callaway_santanna" and control != "never":
        raise ModelError(f"control={control!r} applies to method='callaway_santanna' only.")
    check_probability(level, "level", error=ModelError)
    lo, hi = _check_window(window)
    controls = tuple([controls] if isinstance(controls, str) else controls)
    check_columns(panel, [y, *controls], "column")
    g = adoption_times(panel, treat_time)
    if g.notna().sum() == 0:
        raise ModelError(f"treat_time column {treat_time!r} has no treated region (all NaN or 0).")
    cs_control = control if method == "callaway_santanna" else None
    fit = event_estimates(
        panel,
        y,
        g,
        window=(lo, hi),
        method=method,
        controls=controls,
        cluster=cluster,
        w=w,
        control=cs_control,
    )
    return _result(panel, y, treat_time, method, (lo, hi), level, fit, controls, cluster, w, cs_control)


def _result(
    panel: SpatialPanel,
    y: str,
    treat_time: str,
    method: str,
    window: tuple[int, int],
    level: float,
    fit: _Fit,
    controls: tuple[str, ...],
    cluster: str | None,
    w: Any,
    control: str | None = None,
) -> EventStudyResult:
    lo, hi = window
    events = [k for k in fit.params.index if k != "exposure"]
    se = pd.Series(np.sqrt(np.diag(fit.cov.to_numpy())), index=fit.params.index)
    t = fit.params / se
    p = 2 * stats.t.sf(np.abs(t), fit.df)
    q = stats.t.ppf(0.5 + level / 2, fit.df)
    frame = coefficient_frame(fit.params, se, t, p, fit.params - q * se, fit.params + q * se)
    coefs = frame.loc[events].copy()
    coefs.loc[-1] = [0.0, *[np.nan] * (len(COLUMNS) - 1)]
    coefs = coefs.sort_index()
    coefs.index = pd.Index(coefs.index.astype(int), name="event_time")
    coefs["reference"] = coefs.index == -1
    binned = control is None  # Callaway-Sant'Anna keeps the event times in the window, no binning
    coefs["binned"] = binned & ((coefs.index == lo) | (coefs.index == hi))
    exposure = frame.loc[["exposure"]] if "exposure" in fit.params.index else None
    pre = [k for k in events if k < -1]
    pretrend = None
    if pre:
        b = fit.params[pre].to_numpy()
        v = fit.cov.loc[pre, pre].to_numpy()
        stat = float(b @ np.linalg.pinv(v) @ b)
        pretrend = TestResult.from_chi2(
            "Pre-trends", stat, len(pre), f"beta_l = 0 for l = {min(pre)} .. {max(pre)}"
        )
    return EventStudyResult(
        y,
        treat_time,
        method,
        window,
        float(level),
        pretrend,
        exposure,
        fit.nobs,
        fit.n_clusters,
        controls,
        cluster,
        coefs,
        fit.cov.loc[events, events],
        panel,
        w,
        control,
    )
