"""Specification tests for spatial panels: LM tests, LR tests of fixed effects, Hausman FE vs RE.

These tests need no fitted spatial model from :mod:`spillover.spatial.model`: the LM and LR tests work
on (fixed-effects transformed) OLS, and the Hausman test fits its fixed- and random-effects spatial models
(FE through spreg where spreg is right, RE by the model's random-effects ML; see :func:`hausman`).

Public: :func:`lm_tests` -> :class:`LMTests`; :func:`lr_fixed_effects` and :func:`hausman` ->
:class:`TestResult` (statistic, df, p-value, the null in words, and a note when the number needs care).

Layout: every vector is stacked period-major (all regions in period 1, then period 2, ...), the layout of
:meth:`spillover.panel.SpatialPanel.stacked` and of Elhorst's and spreg's panel code, so that the spatial
lag of a stacked vector is ``(I_T kron W) v``.

References
----------
Anselin, L. (1988). Lagrange multiplier test diagnostics for spatial dependence and spatial
heterogeneity. Geographical Analysis 20, 1-17.
Anselin, L., Bera, A. K., Florax, R. and Yoon, M. J. (1996). Simple diagnostic tests for spatial
dependence. Regional Science and Urban Economics 26, 77-104.
Elhorst, J. P. (2010). Spatial panel data models. In Fischer and Getis (eds), Handbook of Applied
Spatial Analysis, 377-407.
Elhorst, J. P. (2014). Spatial Econometrics: From Cross-Sectional Data to Spatial Panels. Springer,
chapter 3.
Lee, L.-F. and Yu, J. (2010). Estimation of spatial autoregressive panel data models with fixed
effects. Journal of Econometrics 154, 165-185.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.errors import ModelError, PanelError, WeightsError, format_items
from spillover.options import DfConvention, FixedEffects, HausmanKind, HausmanVariance, check_option
from spillover.panel import SpatialPanel
from spillover.spatial import _interactions
from spillover.spatial import _likelihood as lk
from spillover.spatial._checks import (
    _check_dependent,
    _check_observations,
    _libpysal_w,
    _quiet,
    _regressor_names,
)
from spillover.spatial._random_effects import fit_random_effects, inverse_information
from spillover.spatial._random_effects import re_sar_loglik as _re_sar_loglik  # noqa: F401 (tests use it)
from spillover.spatial._random_effects import re_sem_loglik as _re_sem_loglik  # noqa: F401
from spillover.spatial.testresult import TestResult, results_frame
from spillover.summary import Summary

__all__ = [
    "FixedEffects",
    "HausmanKind",
    "HausmanVariance",
    "LMTests",
    "LRFixedEffects",
    "TestResult",
    "hausman",
    "lm_tests",
    "lr_fixed_effects",
]

LRModel = Literal["ols"]

# Relative size below which a demeaned column is treated as identically zero (absorbed by the effects).
_ABSORBED_TOL = 1e-10
# Relative eigenvalue below which V_FE - V_RE is treated as singular / not positive definite.
_PD_TOL = 1e-10


# ---------------------------------------------------------------------- value objects
@dataclass(frozen=True)
class LMTests(ReadOnly):
    """Panel LM tests for a spatial lag and a spatial error, classic and robust.

    Returned by :func:`lm_tests`; every entry is a :class:`TestResult` with one degree of freedom.
    """

    lm_lag: TestResult
    lm_error: TestResult
    robust_lm_lag: TestResult
    robust_lm_error: TestResult
    fixed_effects: str
    n_regions: int
    n_periods: int
    sigma2: float
    lm_sarma: TestResult | None = None
    """Joint test of rho = lambda = 0 (2 df): LM lag + robust LM error (Anselin et al. 1996, eq. 14)."""

    @property
    def tests(self) -> tuple[TestResult, ...]:
        """The four tests in the conventional order, then the SARMA test."""
        four = (self.lm_lag, self.lm_error, self.robust_lm_lag, self.robust_lm_error)
        return four if self.lm_sarma is None else (*four, self.lm_sarma)

    def to_frame(self) -> pd.DataFrame:
        """One row per test: statistic, df, p_value, null, note."""
        return results_frame(self.tests)

    def summary(self) -> Summary:
        """The tests as a :class:`~spillover.summary.Summary` (title, one table)."""
        return Summary(
            f"Panel LM tests (Elhorst 2014), fixed effects: {self.fixed_effects}; "
            f"N = {self.n_regions}, T = {self.n_periods}",
            (self.to_frame(),),
        )

    def __str__(self) -> str:
        head = (
            f"Panel LM tests (Elhorst 2014), fixed effects: {self.fixed_effects}; "
            f"N = {self.n_regions}, T = {self.n_periods}"
        )
        lines = [head] + [f"  {t.name:<16} {t.statistic:>12.4f}   p = {t.pvalue:.4g}" for t in self.tests]
        return "\n".join(lines)


@dataclass(frozen=True)
class LRFixedEffects(ReadOnly):
    """LR tests of the spatial (unit) and the time-period fixed effects; returned by :func:`lr_fixed_effects`.

    Unpacks as before, ``unit, time = lr_fixed_effects(...)``; prints as a small table.
    """

    unit: TestResult
    time: TestResult
    n_regions: int
    n_periods: int
    df_convention: str

    @property
    def tests(self) -> tuple[TestResult, TestResult]:
        """The test of the spatial fixed effects, then that of the time-period fixed effects."""
        return (self.unit, self.time)

    def __iter__(self) -> Iterator[TestResult]:
        return iter(self.tests)

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> TestResult:
        return self.tests[i]

    def to_frame(self) -> pd.DataFrame:
        """One row per test: statistic, df, p_value, null, note."""
        return results_frame(self.tests)

    def summary(self) -> Summary:
        """The tests as a :class:`~spillover.summary.Summary` (title, one table)."""
        return Summary(
            f"LR tests of fixed effects (Elhorst 2014, section 3.6.2), non-spatial model; "
            f"N = {self.n_regions}, T = {self.n_periods}, df convention: {self.df_convention}",
            (self.to_frame(),),
        )

    def __str__(self) -> str:
        head = (
            f"LR tests of fixed effects (Elhorst 2014, section 3.6.2), non-spatial model; "
            f"N = {self.n_regions}, T = {self.n_periods}, df convention: {self.df_convention}"
        )
        lines = [head] + [
            f"  {t.name:<26} {t.statistic:>12.4f}   df = {t.df:<4d} p = {t.pvalue:.4g}" for t in self.tests
        ]
        return "\n".join(lines)


# ---------------------------------------------------------------------- option checks
# ---------------------------------------------------------------------- data preparation
def _weights_matrix(w: Any, ids: pd.Index) -> sp.csr_matrix:
    """W as a CSR matrix in the panel's region order (delegates id checks to spillover.weights)."""
    from spillover.weights import to_sparse  # the weights module owns id alignment

    matrix = sp.csr_matrix(to_sparse(w, ids), dtype=float)
    if matrix.shape != (len(ids), len(ids)):  # defensive: to_sparse promises this
        raise WeightsError(f"W is {matrix.shape}, expected {len(ids)} x {len(ids)} for the panel's regions.")
    return matrix


def _stack(panel: SpatialPanel, names: Sequence[str]) -> np.ndarray:
    """Columns of ``names`` stacked period-major (NaN and non-numeric cells raise PanelError); an interaction
    ``"x:z"`` as the product of its columns, as the models build it."""
    return np.column_stack([_interactions.stacked(panel, name) for name in names])


def _check_absorbed(raw: np.ndarray, demeaned: np.ndarray, names: list[str], fixed_effects: str) -> None:
    scale = np.maximum(np.abs(raw).max(axis=0), 1.0)
    absorbed = [nm for nm, col, s in zip(names, demeaned.T, scale) if np.abs(col).max() <= _ABSORBED_TOL * s]
    if not absorbed:
        return
    if fixed_effects == "none":
        raise ModelError(
            f"x variable(s) {format_items(absorbed)} are constant, duplicating the intercept that is added "
            "without fixed effects. Drop them from x."
        )
    within = {
        "unit": "within regions",
        "time": "within periods",
        "twoway": "once region and period means are removed",
    }[fixed_effects]
    raise ModelError(
        f"x variable(s) {format_items(absorbed)} are constant {within}, so the {fixed_effects!r} fixed "
        "effects absorb them. Drop them from x or use other fixed effects."
    )


def _check_rank(design: np.ndarray, names: list[str]) -> None:
    """Name the columns that are linear combinations of earlier ones (QR with column pivoting)."""
    from scipy.linalg import qr

    scaled = design / np.maximum(np.abs(design).max(axis=0), np.finfo(float).tiny)
    _, r, pivots = qr(scaled, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > diag[0] * max(design.shape) * np.finfo(float).eps * 10).sum()) if len(diag) else 0
    if rank < design.shape[1]:
        redundant = [names[i] for i in sorted(pivots[rank:])]
        raise ModelError(
            f"the explanatory variables are perfectly collinear after the fixed-effects transformation: "
            f"{format_items(redundant)} can be written as a combination of the others in "
            f"{format_items(names)}. Drop a redundant variable."
        )


def _design(
    panel: SpatialPanel,
    y: str,
    x: list[str],
    fixed_effects: FixedEffects,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw y, transformed y and transformed X (with a constant when there are no fixed effects)."""
    n, t = panel.n_regions, panel.n_periods
    raw_y = _stack(panel, [y])
    raw_x = _stack(panel, x)
    y_t = lk.demean(raw_y, n, fixed_effects)[:, 0]
    x_t = lk.demean(raw_x, n, fixed_effects)
    _check_dependent(raw_y[:, 0], y_t, y, fixed_effects)
    _check_observations(["const", *x] if fixed_effects == "none" else list(x), n, t, fixed_effects)
    if fixed_effects == "none":
        _check_absorbed(raw_x, raw_x - raw_x.mean(axis=0), x, fixed_effects)
        x_t = np.column_stack([np.ones(n * t), x_t])
        names = ["const", *x]
    else:
        _check_absorbed(raw_x, x_t, x, fixed_effects)
        names = list(x)
    _check_rank(x_t, names)
    return raw_y[:, 0], y_t, x_t


# ---------------------------------------------------------------------- LM tests
def _lm_statistics(
    y_raw: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    wmat: sp.csr_matrix,
    n: int,
    t: int,
    fixed_effects: FixedEffects,
) -> dict[str, float]:
    """Elhorst's (2014, section 3.3) panel LM statistics from OLS on the within-transformed data.

    With e the OLS residuals, sigma2 = e'e / NT, T_W = tr(WW + W'W) and
    J = [(WXb)' M (WXb) + T T_W sigma2] / sigma2:
    LM lag = (e'Wy/sigma2)^2 / J; LM error = (e'We/sigma2)^2 / (T T_W);
    robust LM lag = (e'Wy/sigma2 - e'We/sigma2)^2 / (J - T T_W);
    robust LM error = (e'We/sigma2 - T T_W / J e'Wy/sigma2)^2 / (T T_W (1 - T T_W / J)).

    The statistics are those of the model with the fixed effects as dummy regressors (LSDV), for any W:
    "Xb" is the full fitted value (including the estimated effects, y - e) and M also removes the effects,
    i.e. the spatial lag is taken first and then demeaned.  Applying the formula literally to the demeaned
    data (lagging the demeaned fit, without demeaning again) agrees exactly without time effects, for any
    W, and differs slightly with time effects (by 0.15% for LM lag on the cigarette panel).

    spreg 1.9.0's ``panel_LMlag`` uses T_W^2 in place of T T_W in J, and its panel LM tests ignore fixed
    effects (reference README, "Known defects"): we compute the statistics here instead of calling it.
    """
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    e = y - x @ beta
    sigma2 = float(e @ e) / (n * t)
    if sigma2 <= 0:
        raise ModelError("the OLS residuals are all zero (a perfect fit): the LM tests are undefined.")
    t_w = float(wmat.multiply(wmat).sum() + wmat.multiply(wmat.T).sum())  # tr(W'W) + tr(WW)
    if t_w <= 0:
        raise WeightsError("W has no links (tr(WW + W'W) = 0): the LM tests are undefined.")
    fitted = y_raw - e  # X b plus the estimated fixed effects (LSDV fit)
    wxb = lk.demean(lk.lag(wmat, fitted, n)[:, None], n, fixed_effects)[:, 0]
    coef, *_ = np.linalg.lstsq(x, wxb, rcond=None)
    m_wxb = wxb - x @ coef
    tt_w = t * t_w
    j = (float(m_wxb @ m_wxb) + tt_w * sigma2) / sigma2
    lag_score = float(e @ lk.lag(wmat, y_raw, n)) / sigma2
    err_score = float(e @ lk.lag(wmat, e, n)) / sigma2
    return {
        "lm_lag": lag_score**2 / j,
        "lm_error": err_score**2 / tt_w,
        "robust_lm_lag": (lag_score - err_score) ** 2 / (j - tt_w),
        "robust_lm_error": (err_score - tt_w / j * lag_score) ** 2 / (tt_w * (1.0 - tt_w / j)),
        "sigma2": sigma2,
    }


_LM_NAMES = {
    "lm_lag": ("LM lag", "no spatially lagged dependent variable (rho = 0)"),
    "lm_error": ("LM error", "no spatial autocorrelation in the errors (lambda = 0)"),
    "robust_lm_lag": ("robust LM lag", "rho = 0, robust to a local spatial error"),
    "robust_lm_error": ("robust LM error", "lambda = 0, robust to a local spatial lag"),
}


def lm_tests(
    panel: SpatialPanel,
    y: str,
    x: Sequence[str] | str,
    w: Any,
    *,
    fixed_effects: FixedEffects = "none",
) -> LMTests:
    """Panel LM tests for a spatial lag and a spatial error (classic and robust).

    The model ``y = X b + [mu_i] + [lambda_t] + e`` is estimated by OLS on the data transformed for the
    chosen fixed effects (within transformation; with ``"none"`` a constant is added), and the residuals
    ``e`` are tested against ``y = rho (I_T kron W) y + ...`` and ``e = lambda (I_T kron W) e + u``
    (Anselin 1988; robust forms of Anselin et al. 1996; panel versions of Elhorst 2010, 2014).
    With ``sigma2 = e'e / NT``, ``T_W = tr(WW + W'W)`` and
    ``J = [(WXb)' M (WXb) + T T_W sigma2] / sigma2``:

    * LM lag = ``(e'(I_T kron W) y / sigma2)^2 / J``
    * LM error = ``(e'(I_T kron W) e / sigma2)^2 / (T T_W)``
    * robust LM lag = ``(e'Wy / sigma2 - e'We / sigma2)^2 / (J - T T_W)``
    * robust LM error = ``(e'We / sigma2 - (T T_W / J) e'Wy / sigma2)^2 / (T T_W (1 - T T_W / J))``
    * LM SARMA = LM lag + robust LM error (joint, two degrees of freedom; Anselin et al. 1996)

    Each of the first four is chi-squared with one degree of freedom under its null.  The fixed effects are treated as
    dummy regressors (the statistics equal those of the LSDV regression): ``Xb`` includes the estimated
    effects and ``M`` removes them, i.e. ``WXb`` is lagged first and then demeaned.

    Parameters
    ----------
    panel
        A balanced :class:`~spillover.panel.SpatialPanel`.
    y
        Dependent variable.
    x
        Explanatory variables (no constant: one is added when ``fixed_effects="none"``).
    w
        Spatial weights over the panel's regions: a ``libpysal.graph.Graph``, a ``libpysal.weights.W`` or
        a square DataFrame; it is reordered to the panel's regions (its ids must equal them).  Used as
        given (row-standardise it first if that is what you want; Elhorst does).
    fixed_effects
        ``"none"``, ``"unit"`` (spatial), ``"time"`` or ``"twoway"``.

    Returns
    -------
    LMTests

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, numpy as np
    >>> from shapely.geometry import box
    >>> from spillover.panel import SpatialPanel
    >>> rng = np.random.default_rng(0)
    >>> geo = gpd.GeoDataFrame({"r": list("abcde")}, geometry=[box(i, 0, i + 1, 1) for i in range(5)])
    >>> df = pd.DataFrame({"r": np.repeat(list("abcde"), 4), "t": np.tile(range(4), 5)})
    >>> df["x"] = rng.normal(size=20); df["y"] = df["x"] + rng.normal(size=20)
    >>> panel = SpatialPanel(df, geo, id="r", time="t")
    >>> chain = pd.DataFrame(0.0, index=list("abcde"), columns=list("abcde"))
    >>> for i, j in zip("abcd", "bcde"): chain.loc[i, j] = chain.loc[j, i] = 1.0
    >>> res = lm_tests(panel, "y", ["x"], chain.div(chain.sum(axis=1), axis=0), fixed_effects="unit")
    >>> res.to_frame().columns.tolist()
    ['statistic', 'df', 'p_value', 'null', 'note']
    >>> all(0 <= t.pvalue <= 1 for t in res.tests)
    True
    """
    _require_panel(panel)
    check_option(fixed_effects, FixedEffects, "fixed_effects", error=ModelError)
    names = _regressor_names(x, y)
    wmat = _weights_matrix(w, panel.ids)
    y_raw, y_t, x_t = _design(panel, y, names, fixed_effects)
    values = _lm_statistics(y_raw, y_t, x_t, wmat, panel.n_regions, panel.n_periods, fixed_effects)
    tests = {
        key: TestResult.from_chi2(label, values[key], 1, null) for key, (label, null) in _LM_NAMES.items()
    }
    # LM_SARMA = LM lag + robust LM error (= LM error + robust LM lag), chi2(2) (Anselin et al. 1996)
    sarma = TestResult.from_chi2(
        "LM SARMA",
        values["lm_lag"] + values["robust_lm_error"],
        2,
        "no spatial lag and no spatial error (rho = lambda = 0)",
    )
    return LMTests(
        **tests,
        fixed_effects=fixed_effects,
        n_regions=panel.n_regions,
        n_periods=panel.n_periods,
        sigma2=values["sigma2"],
        lm_sarma=sarma,
    )


# ---------------------------------------------------------------------- LR tests of fixed effects
def _ols_loglik(y: np.ndarray, x: np.ndarray) -> float:
    """Gaussian log-likelihood of OLS at the ML variance sigma2 = e'e / n."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    e = y - x @ beta
    nobs = len(y)
    return -0.5 * nobs * (np.log(2.0 * np.pi * float(e @ e) / nobs) + 1.0)


def _nonspatial_loglik(panel: SpatialPanel, y: str, x: list[str], fixed_effects: FixedEffects) -> float:
    _, y_t, x_t = _design(panel, y, x, fixed_effects)
    return _ols_loglik(y_t, x_t)


def lr_fixed_effects(
    panel: SpatialPanel,
    y: str,
    x: Sequence[str] | str,
    *,
    model: LRModel = "ols",
    df: DfConvention = "elhorst",
) -> LRFixedEffects:
    """LR tests of the joint significance of the spatial (unit) and of the time-period fixed effects.

    Following Elhorst (2014, section 3.6.2), the non-spatial model with two-way fixed effects is compared
    with the model with time-period effects only (testing the spatial fixed effects) and with the model
    with spatial effects only (testing the time-period effects):
    ``LR = -2 (logL_restricted - logL_twoway)``, with the Gaussian log-likelihood of OLS on the demeaned
    data at sigma2 = e'e / NT.

    Parameters
    ----------
    panel, y, x
        As in :func:`lm_tests`.
    model
        ``"ols"``: the non-spatial model (the only one implemented; the spatial versions need the fitted
        spatial models of :mod:`spillover.spatial.model`).
    df
        ``"elhorst"`` (default): N and T degrees of freedom, as Elhorst's code and book report (46 and 30
        for the cigarette panel).  ``"restrictions"``: the number of restrictions actually tested, N - 1
        and T - 1 (the restricted model keeps the other set of effects, which absorbs the common level).
        With N and T in the tens the p-values hardly differ.

    Returns
    -------
    LRFixedEffects
        ``.unit`` (the test of the spatial fixed effects) and ``.time`` (of the time-period fixed effects),
        each a :class:`TestResult`; it unpacks as ``unit, time = lr_fixed_effects(...)`` and prints as a
        table.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, numpy as np
    >>> from shapely.geometry import box
    >>> from spillover.panel import SpatialPanel
    >>> rng = np.random.default_rng(1)
    >>> geo = gpd.GeoDataFrame({"r": list("abcd")}, geometry=[box(i, 0, i + 1, 1) for i in range(4)])
    >>> df = pd.DataFrame({"r": np.repeat(list("abcd"), 6), "t": np.tile(range(6), 4)})
    >>> df["x"] = rng.normal(size=24)
    >>> df["y"] = df["x"] + np.repeat([0.0, 5.0, -5.0, 2.0], 6) + rng.normal(size=24)
    >>> unit, time = lr_fixed_effects(SpatialPanel(df, geo, id="r", time="t"), "y", ["x"])
    >>> (unit.df, time.df, unit.reject(0.01))
    (4, 6, True)
    >>> print(lr_fixed_effects(SpatialPanel(df, geo, id="r", time="t"), "y", ["x"]))  # doctest: +ELLIPSIS
    LR tests of fixed effects (Elhorst 2014, section 3.6.2), non-spatial model; N = 4, T = 6, ...
      LR spatial fixed effects ...
      LR time fixed effects ...
    """
    _require_panel(panel)
    check_option(model, LRModel, "model", error=ModelError)
    check_option(df, DfConvention, "df", error=ModelError)
    names = _regressor_names(x, y)
    ll_two = _nonspatial_loglik(panel, y, names, "twoway")
    ll_time = _nonspatial_loglik(panel, y, names, "time")
    ll_unit = _nonspatial_loglik(panel, y, names, "unit")
    shift = 0 if df == "elhorst" else 1
    n, t = panel.n_regions, panel.n_periods
    unit_test = TestResult.from_chi2(
        "LR spatial fixed effects",
        -2.0 * (ll_time - ll_two),
        n - shift,
        "the spatial (unit) fixed effects are jointly zero, given time-period effects",
    )
    time_test = TestResult.from_chi2(
        "LR time fixed effects",
        -2.0 * (ll_unit - ll_two),
        t - shift,
        "the time-period fixed effects are jointly zero, given spatial effects",
    )
    return LRFixedEffects(unit_test, time_test, n, t, df)


# ---------------------------------------------------------------------- Hausman
@dataclass(frozen=True)
class _Estimates:
    """Compared parameters (slopes, then the spatial parameter), their covariance, and extras by name."""

    names: list[str]
    params: np.ndarray
    cov: np.ndarray
    extra: dict[str, float]


def _fe_loglik(
    params: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    wmat: sp.csr_matrix,
    eig: np.ndarray,
    n: int,
    t: int,
    kind: str,
) -> float:
    """Lee and Yu's (2010) transformed log-likelihood of the unit fixed-effects SAR or SEM model.

    ``params = [slopes, rho or lambda, sigma2]`` on unit-demeaned ``y`` and ``x``; with ``e`` the SAR
    residual ``y - rho W y - X b`` or the SEM residual ``(I - lambda W)(y - X b)``:
    logL = -N(T-1)/2 log(2 pi sigma2) + (T-1) sum log(1 - rho omega) - e'e / (2 sigma2).
    Its maximiser in (b, rho) is the direct ML estimator (spreg, splm, Elhorst); sigma2 becomes
    e'e / (N(T-1)), which is consistent for fixed T where the direct e'e / NT is not.
    """
    coef, sigma2 = params[-2], params[-1]
    if sigma2 <= 0:
        return -np.inf
    e = _fe_loglik_residual(params[:-1], y, x, wmat, n, t, kind)
    logdet = float(np.sum(np.log(1.0 - coef * eig)).real)
    m = n * (t - 1)
    return -0.5 * m * np.log(2.0 * np.pi * sigma2) + (t - 1) * logdet - float(e @ e) / (2.0 * sigma2)


def _fe_covariance(
    fe: Any,
    yv: np.ndarray,
    xv: np.ndarray,
    wmat: sp.csr_matrix,
    eig: np.ndarray,
    n: int,
    t: int,
    kind: str,
) -> np.ndarray:
    """Covariance of [slopes, spatial parameter] of the unit-FE model, Lee-Yu consistent sigma2.

    The direct ML variance estimate e'e / NT of spreg and splm is biased by (T-1)/T (incidental
    parameters), so their V_FE is too small by about that factor; the Hausman test needs consistent
    variances on both sides, otherwise V_FE - V_RE is typically not positive definite even when random
    effects are true.  We evaluate the observed information of Lee and Yu's transformed likelihood at
    spreg's estimates (its maximiser in b and rho) and sigma2 = e'e / (N(T-1)).
    """
    y_dm = lk.demean(yv, n, "unit")[:, 0]
    x_dm = lk.demean(xv, n, "unit")
    point = fe.betas.ravel().copy()
    resid = _fe_loglik_residual(point, y_dm, x_dm, wmat, n, t, kind)
    point = np.r_[point, float(resid @ resid) / (n * (t - 1))]

    def loglik(p: np.ndarray) -> float:
        return _fe_loglik(p, y_dm, x_dm, wmat, eig, n, t, kind)

    return inverse_information(lk.numerical_hessian(loglik, point, positive=[len(point) - 1]), "FE")[:-1, :-1]


def _fe_loglik_residual(
    params: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    wmat: sp.csr_matrix,
    n: int,
    t: int,
    kind: str,
) -> np.ndarray:
    beta, coef = params[:-1], params[-1]
    if kind == "sar":
        return y - coef * lk.lag(wmat, y, n) - x @ beta
    u = y - x @ beta
    return u - coef * lk.lag(wmat, u, n)


def _fit_fe_re(
    panel: SpatialPanel,
    y: str,
    x: list[str],
    wmat: sp.csr_matrix,
    kind: HausmanKind,
) -> tuple[_Estimates, _Estimates]:
    """Unit fixed-effects and random-effects ML spatial models.

    FE SAR/SEM: spreg ``ML_LagFE``/``ML_ErrorFE`` (in spreg 1.9.0 the older ``Panel_FE_Lag`` etc. are
    deprecated versions of the same estimators); their estimates and standard errors reproduce splm's.
    The FE covariance used here has Lee and Yu's consistent sigma2 (see :func:`_fe_covariance`; spreg's
    standard errors are kept in ``extra``).  RE SAR and SEM: the exact ML of
    ``SpatialPanelModel(..., fixed_effects="random")``
    (:func:`spillover.spatial._random_effects.fit_random_effects`, which says why not spreg's
    ``ML_LagRE``/``ML_ErrorRE``), with the observed-information covariance.
    """
    from spreg import ML_ErrorFE, ML_LagFE

    yv = _stack(panel, [y])
    xv = _stack(panel, x)
    try:
        fe = _quiet(ML_LagFE if kind == "sar" else ML_ErrorFE, yv, xv, _libpysal_w(wmat))
    except np.linalg.LinAlgError as exc:
        raise ModelError(
            f"spreg could not estimate the {kind.upper()} panel models ({exc}); check x {format_items(x)} "
            "for variables that are collinear or constant within regions."
        ) from exc
    k = len(x)
    n, t = panel.n_regions, panel.n_periods
    op = lk.make_operator(wmat, "dense")  # O(N^3) eigenvalues, once: log|I - rho W| = sum log(1 - rho omega)
    eig = op.eigenvalues
    assert eig is not None  # the dense operator always has them
    names = [*x, "rho" if kind == "sar" else "lambda"]
    fe_extra = {f"spreg_se_{name}": float(se) for name, se in zip(names, np.sqrt(np.diag(fe.vm))[: k + 1])}
    fe_est = _Estimates(
        names, fe.betas.ravel()[: k + 1], _fe_covariance(fe, yv, xv, wmat, eig, n, t, kind), fe_extra
    )
    re = fit_random_effects(yv[:, 0], np.column_stack([np.ones(n * t), xv]), op, t, kind)
    extra = {
        "const": float(re.beta[0]),
        "sigma2": re.sigma2,
        "theta": re.theta,
        "sigma2_mu_ratio": re.phi,
        "loglik": re.loglik,
        "se_const": float(np.sqrt(re.cov[0, 0])),
    }
    idx = np.arange(1, k + 2)  # slopes and the spatial parameter (the constant has no FE counterpart)
    re_est = _Estimates(names, np.append(re.beta, re.spatial)[idx], re.cov[np.ix_(idx, idx)], extra)
    return fe_est, re_est


def _slopes_only(est: _Estimates) -> _Estimates:
    k = len(est.names) - 1
    return _Estimates(est.names[:k], est.params[:k], est.cov[:k, :k], est.extra)


def _hausman_statistic(diff: np.ndarray, v_fe: np.ndarray, v_re: np.ndarray) -> tuple[float, int, str]:
    """H = d' (V_FE - V_RE)^- d, with Stata's generalised inverse when V_FE - V_RE is not positive definite."""
    vdiff = v_fe - v_re
    vdiff = 0.5 * (vdiff + vdiff.T)
    eig = np.linalg.eigvalsh(vdiff)
    tol = _PD_TOL * max(float(np.abs(eig).max()), np.finfo(float).tiny)
    if eig.min() > tol:
        return float(diff @ np.linalg.solve(vdiff, diff)), len(diff), ""
    rank = int((np.abs(eig) > tol).sum())
    stat = float(diff @ np.linalg.pinv(vdiff, rcond=_PD_TOL, hermitian=True) @ diff)
    bound = float(diff @ np.linalg.solve(0.5 * (v_fe + v_fe.T), diff))
    bound_p = float(stats.chi2.sf(bound, len(diff)))
    note = (
        f"V_FE - V_RE is not positive definite (eigenvalues {np.array2string(eig, precision=3)}): the random-"
        f"effects estimator is not the more efficient one on these data, as the test assumes. The statistic "
        f"uses the Moore-Penrose generalised inverse with df = rank = {rank}, as Stata's hausman does"
        + ("; it is negative, so the test is not informative" if stat < 0 else "")
        + f". A conservative alternative, d' V_FE^-1 d = {bound:.4g} (chi2({len(diff)}), p = {bound_p:.3g}), "
        "understates H whenever the assumptions hold, so its rejection is a rejection of random effects."
    )
    return stat, max(rank, 1), note


def hausman(
    panel: SpatialPanel,
    y: str,
    x: Sequence[str] | str,
    w: Any,
    *,
    kind: HausmanKind = "sar",
    variance: HausmanVariance = "difference",
    include_spatial: bool = True,
) -> TestResult:
    """Hausman test of spatial fixed effects against spatial random effects.

    Fits the unit fixed-effects and the random-effects spatial lag (``kind="sar"``) or spatial error
    (``kind="sem"``) model by maximum likelihood (Elhorst 2003, 2014) and computes
    ``H = d' (V_FE - V_RE)^-1 d``, where ``d`` is the difference of the slope coefficients *and* of the
    spatial parameter (rho or lambda), as Elhorst's code and spreg do; the RE intercept and variance
    ratio have no FE counterpart and are left out.  Under the null (the region effects are uncorrelated
    with X, so random effects are consistent and efficient) H ~ chi2(k + 1).

    Estimates: FE SAR/SEM by spreg (they reproduce R splm); RE SAR/SEM by the exact ML of
    ``SpatialPanelModel(..., fixed_effects="random")`` (the RE SAR reproduces R splm; spreg's
    ``ML_ErrorRE`` treats W as symmetric).  Variances, so that both sides are consistent for fixed T:
    V_FE is the observed information of Lee and Yu's (2010) transformed likelihood, i.e. with
    sigma2 = e'e / (N(T-1)) rather than the direct e'e / NT, which is biased by (T-1)/T and makes
    V_FE - V_RE indefinite even when random effects are true; V_RE is the observed information (numerical
    Hessian) of the RE likelihood (for the RE SAR it reproduces splm's standard error of lambda, where
    spreg's analytic information does not).

    spreg 1.9.0's ``panel_Hausman`` uses ``V_RE - V_FE`` (the wrong sign, giving negative statistics);
    the difference is taken the right way round here.  When ``V_FE - V_RE`` is not positive definite,
    H uses the Moore-Penrose generalised inverse with df = its rank (as Stata's ``hausman``), and
    :attr:`TestResult.note` says so and gives the conservative statistic ``d' V_FE^-1 d``.

    Parameters
    ----------
    panel, y, x, w
        As in :func:`lm_tests` (W is typically row-standardised).
    kind
        ``"sar"`` (spatial lag) or ``"sem"`` (spatial error).
    variance
        ``"difference"`` (default): the Hausman statistic with ``V_FE - V_RE``.  ``"fe"``: the conservative
        ``d' V_FE^-1 d`` ~ chi2(k + 1), which is never larger than H when the test's assumptions hold
        (``V_RE`` positive definite), is always non-negative, and is useful when ``V_FE - V_RE`` is not
        positive definite: its rejection is a rejection of random effects.
    include_spatial
        True (default): compare the slopes and the spatial parameter (Elhorst's code, spreg); False:
        the slopes only (R splm's ``sphtest``).  The spatial parameter's FE and RE variances are often
        nearly equal, which makes its contribution unstable in small samples.

    Returns
    -------
    TestResult
        ``details`` holds the compared estimates: columns ``fe``, ``re``, ``difference``,
        ``var_difference`` (the diagonal of V_FE - V_RE), ``se_fe``, ``se_re``.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, numpy as np
    >>> from libpysal.graph import Graph
    >>> from shapely.geometry import box
    >>> from spillover.panel import SpatialPanel
    >>> rng = np.random.default_rng(0)
    >>> ids = list("abcdefgh")
    >>> geo = gpd.GeoDataFrame({"r": ids}, geometry=[box(i, 0, i + 1, 1) for i in range(8)])
    >>> df = pd.DataFrame({"r": np.repeat(ids, 6), "t": np.tile(range(6), 8), "x": rng.normal(size=48)})
    >>> df["y"] = df["x"] + np.repeat(rng.normal(size=8), 6) + rng.normal(size=48)
    >>> ring = Graph.from_dicts({ids[i]: [ids[i - 1], ids[(i + 1) % 8]] for i in range(8)}).transform("r")
    >>> res = hausman(SpatialPanel(df, geo, id="r", time="t"), "y", ["x"], ring, kind="sar")
    >>> res.df, res.details.index.tolist()
    (2, ['x', 'rho'])
    """
    _require_panel(panel)
    check_option(kind, HausmanKind, "kind", error=ModelError)
    check_option(variance, HausmanVariance, "variance", error=ModelError)
    names = _regressor_names(x, y)
    wmat = _weights_matrix(w, panel.ids)
    _require_row_standardised(wmat, panel.ids)
    _design(panel, y, names, "unit")  # named errors for NaN, absorbed or collinear x before spreg sees them
    if not isinstance(include_spatial, bool):
        raise ModelError(f"include_spatial must be True or False, got {include_spatial!r}.")
    fe, re = _fit_fe_re(panel, y, names, wmat, kind)
    if not include_spatial:
        fe, re = _slopes_only(fe), _slopes_only(re)
    diff = fe.params - re.params
    if variance == "fe":
        stat, dof = float(diff @ np.linalg.solve(fe.cov, diff)), len(diff)
        note = (
            "conservative d' V_FE^-1 d: not larger than the Hausman statistic when V_RE is positive definite"
        )
    else:
        stat, dof, note = _hausman_statistic(diff, fe.cov, re.cov)
    details = pd.DataFrame(
        {
            "fe": fe.params,
            "re": re.params,
            "difference": diff,
            "var_difference": np.diag(fe.cov - re.cov),
            "se_fe": np.sqrt(np.diag(fe.cov)),
            "se_re": np.sqrt(np.diag(re.cov)),
        },
        index=pd.Index(fe.names, name="parameter"),
    )
    label = "Hausman" if variance == "difference" else "Hausman (V_FE only)"
    return TestResult.from_chi2(
        f"{label} {kind.upper()} FE vs RE",
        stat,
        dof,
        "random effects are consistent (the region effects are uncorrelated with X)",
        note=note,
        details=details,
    )


def _require_row_standardised(wmat: sp.csr_matrix, ids: pd.Index) -> None:
    """spreg's panel ML estimators search rho in (-0.99, 0.99): right only for a row-standardised W."""
    sums = np.asarray(wmat.sum(axis=1)).ravel()
    bad = ids[(np.abs(sums - 1.0) > 1e-8) & (sums != 0.0)]
    if len(bad):
        raise WeightsError(
            f"the Hausman test's ML fits need a row-standardised W; rows of {format_items(bad.tolist())} "
            "do not sum to 1. Pass w.transform('r') (libpysal Graph) or row-standardise the matrix."
        )


def _require_panel(panel: object) -> None:
    if not isinstance(panel, SpatialPanel):
        raise PanelError(
            f"expected a SpatialPanel, got {type(panel).__name__}; build one with SpatialPanel(...)."
        )
