"""Hansen's (1999) fixed-effects panel threshold regression, as Stata's ``xthreg`` (Wang 2015) runs it.

The model with ``m`` thresholds ``gamma_1 < ... < gamma_m`` of the threshold variable ``q`` is

    y_it = mu_i + x_it' beta + r_it' delta_j + e_it   for gamma_{j-1} < q_it <= gamma_j   (j = 1..m+1),

``x`` the regime-independent controls, ``r`` the regressors whose slope switches between regimes.  Each
threshold is found by least squares over a grid of candidate values, one at a time (Hansen's sequential
method: the second given the first, then the first refined given the second; the third given both), the
number of thresholds by bootstrap F tests, each threshold's confidence interval by inverting Hansen's
(2000) likelihood-ratio statistic.  No Python package implements the panel version (``thrreg`` on CRAN
is the cross-section model of Hansen 2000); the maths is in :mod:`._threshold_core`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.errors import ModelError, format_items
from spillover.options import (
    Progress,
    check_int,
    check_number,
    check_option,
    check_probability,
    check_seed,
    progress_bar,
)
from spillover.panel import SpatialPanel
from spillover.panel_models._threshold_core import (
    Engine,
    Search,
    ThresholdData,
    alt_ssr,
    bootstrap_f,
    make_grid,
    null_ssr,
    search,
    within,
)
from spillover.panel_models._within import ols, vcov_cluster, vcov_iid
from spillover.panel_models.fe import as_list
from spillover.summary import Summary, coefficient_frame, conf_int, std_errors

__all__ = ["ThresholdResults", "threshold", "lr_critical_value"]

ThresholdEffects = Literal["unit", "twoway"]
TEST_NAMES = ("single", "double", "triple")
TEST_COLUMNS = ("rss", "mse", "statistic", "p_value", "crit_10", "crit_5", "crit_1", "null")
_CHUNK = 32  # bootstrap draws per batch (memory: draws x observations x regressors)


def lr_critical_value(level: float) -> float:
    """Hansen's (2000) critical value of the LR statistic: ``-2 ln(1 - sqrt(level))`` (7.35 at 0.95).

    >>> round(lr_critical_value(0.95), 2)
    7.35
    """
    return -2.0 * math.log(1.0 - math.sqrt(level))


@dataclass(frozen=True)
class ThresholdResults(ReadOnly):
    """Result of :func:`threshold`; read-only.

    Attributes
    ----------
    params, cov
        Slopes of the final model (the controls, then the regime-dependent regressors per regime) and their
        cluster-robust covariance by region (CR1, ``G/(G-1) (n-1)/(n-K)``; ``xtreg, fe vce(robust)``).
    std_errors_conventional
        The conventional (iid) standard errors ``xthreg`` prints without ``vce(robust)``.
    estimates
        The thresholds of the final model, ascending.
    grid_size, critical_value
        Number of candidate thresholds searched; the LR critical value ``-2 ln(1 - sqrt(level))``.
    """

    params: pd.Series
    cov: pd.DataFrame
    std_errors_conventional: pd.Series
    estimates: tuple[float, ...]
    y_name: str
    q_name: str
    regime: tuple[str, ...]
    x: tuple[str, ...]
    n_thresholds: int
    fixed_effects: str
    trim: float
    grid: int | None
    grid_size: int
    draws: int
    seed: int | None
    level: float
    critical_value: float
    nobs: int
    n_regions: int
    n_periods: int
    df_resid: int
    rss: float
    r2_within: float
    _thresholds: pd.DataFrame = field(repr=False)
    _tests: pd.DataFrame = field(repr=False)
    _lr: pd.DataFrame = field(repr=False)
    _f_draws: pd.DataFrame = field(repr=False)

    # ------------------------------------------------------------------ numbers
    @property
    def thresholds(self) -> pd.DataFrame:
        """Each threshold as ``xthreg`` lists it: ``Th-1`` (single-threshold model), ``Th-21`` (the first
        refined given the second) and ``Th-22`` (the second given the first), ``Th-3``: ``estimate``,
        ``ci_lower``, ``ci_upper`` (the grid points with ``LR <= critical_value``) and ``ssr``."""
        return self._thresholds.copy()

    @property
    def tests(self) -> pd.DataFrame:
        """Bootstrap F tests of ``k - 1`` against ``k`` thresholds (rows ``single``, ``double``, ``triple``):
        ``rss`` and ``mse`` of the ``k``-threshold model, ``statistic`` (Hansen's F), ``p_value`` (share of
        bootstrap F at least as large), ``crit_10``/``crit_5``/``crit_1`` (the 90/95/99 % quantiles of the
        bootstrap F), ``null``.  Without draws the p-values and critical values are NaN."""
        return self._tests.copy()

    @property
    def lr(self) -> pd.DataFrame:
        """The LR(gamma) curves: columns ``threshold`` (``Th-1``, ``Th-21``...), ``gamma``, ``lr`` (NaN
        where a candidate would leave a regime smaller than ``trim``)."""
        return self._lr.copy()

    @property
    def bootstrap(self) -> pd.DataFrame:
        """The bootstrap F statistics: one column per test, one row per draw (empty without draws)."""
        return self._f_draws.copy()

    @property
    def std_errors(self) -> pd.Series:
        """Cluster-robust (by region) standard errors."""
        return std_errors(self.params, self.cov)

    @property
    def tstats(self) -> pd.Series:
        """t statistics."""
        return (self.params / self.std_errors).rename("tstats")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from t(G - 1), G the number of regions."""
        p = 2 * stats.t.sf(np.abs(self.tstats), self.df_resid)
        return pd.Series(p, index=self.params.index, name="pvalues")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals of the slopes from t(G - 1)."""
        return conf_int(self.params, self.std_errors, stats.t.ppf(0.5 + level / 2, self.df_resid))

    def to_frame(self) -> pd.DataFrame:
        """Slopes in the :data:`~spillover.summary.COLUMNS` scheme (cluster-robust), then
        ``std_error_conventional``."""
        ci = self.conf_int()
        return coefficient_frame(
            self.params,
            self.std_errors,
            self.tstats,
            self.pvalues,
            ci["lower"],
            ci["upper"],
            std_error_conventional=self.std_errors_conventional,
        )

    # ------------------------------------------------------------------ output
    def summary(self) -> Summary:
        """``xthreg``'s layout: the threshold estimator, the threshold-effect tests, the regression."""
        tests = self._tests.drop(columns="null").rename(columns={"statistic": "F"})
        header: dict[str, Any] = {
            "Dependent variable": self.y_name,
            "Threshold variable": self.q_name,
            "Regime-dependent": ", ".join(self.regime),
            "Controls": ", ".join(self.x) or "none",
            "Fixed effects": {"unit": "region", "twoway": "region and period"}[self.fixed_effects],
            "Observations": self.nobs,
            "Regions x periods": f"{self.n_regions} x {self.n_periods}",
            "Grid": f"{self.grid_size} candidates (trim {self.trim:g})",
            "Thresholds": ", ".join(f"{g:.4f}" for g in self.estimates),
            "R2 within": f"{self.r2_within:.4f}",
            "Std. errors": f"clustered by region ({self.n_regions} clusters)",
        }
        return Summary(
            title=f"Fixed-effect panel threshold model of {self.y_name} (Hansen 1999)",
            tables=(self._thresholds.drop(columns="ssr"), tests, self.to_frame()),
            header=header,
            captions=(
                f"Threshold estimator (level = {self.level:.0%}; LR <= {self.critical_value:.2f})",
                f"Threshold effect test (bootstrap = {self.draws}, seed = {self.seed})",
                "Fixed-effects regression",
            ),
            notes=(
                "Th-21/Th-22: the first threshold refined given the second, and the second given the first "
                "(Hansen 1999, 3.4). F = (S_{k-1} - S_k) / (S_k / df); p-value and critical values from the "
                "fixed-regressor bootstrap resampling regions' residual vectors."
            ),
        )

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    # ------------------------------------------------------------------ table protocol
    def table_coefficients(self) -> pd.DataFrame:
        """Protocol of :mod:`spillover.tables`: estimate, std_error and p_value per slope."""
        return pd.DataFrame({"estimate": self.params, "std_error": self.std_errors, "p_value": self.pvalues})

    def table_statistics(self, digits: int = 3) -> dict[str, str]:
        """Protocol of :mod:`spillover.tables`: thresholds, FE, cluster, N, R2 within."""
        rows = {f"Threshold {j + 1}": f"{g:.{max(digits, 4)}f}" for j, g in enumerate(self.estimates)}
        for k in range(self.n_thresholds):
            p = self._tests["p_value"].iloc[k]
            if np.isfinite(p):
                rows[f"F {TEST_NAMES[k]} (p)"] = (
                    f"{self._tests['statistic'].iloc[k]:.{digits}f} ({p:.{digits}f})"
                )
        return rows | {
            "Region FE": "Yes",
            "Period FE": "Yes" if self.fixed_effects == "twoway" else "No",
            "Cluster": "region",
            "N": str(self.nobs),
            "R2 within": f"{self.r2_within:.{digits}f}",
        }

    @property
    def table_dependent(self) -> str:
        """Protocol of :mod:`spillover.tables`: the dependent variable."""
        return self.y_name


# ---------------------------------------------------------------------- inputs
def _names(panel: SpatialPanel, y: str, x: Any, q: str, regime: Any) -> tuple[list[str], list[str]]:
    xs, rs = as_list(x, "x"), as_list(regime, "regime")
    if not rs:
        raise ModelError("regime must name at least one regressor whose slope switches at the thresholds.")
    for name in [y, q, *xs, *rs]:
        if not isinstance(name, str):
            raise ModelError(f"variables must be column names (strings), got {name!r}.")
        if name not in panel.variables:
            raise ModelError(
                f"variable {name!r} is not in the panel; its variables are {format_items(panel.variables)}."
            )
    repeated = sorted({n for n in xs + rs if (xs + rs).count(n) > 1})
    if repeated:
        raise ModelError(
            f"{format_items(repeated)} appear(s) more than once in x and regime; a regressor is either "
            "regime-dependent (regime=) or a control (x=), once."
        )
    if y in xs + rs:
        raise ModelError(f"the dependent variable {y!r} cannot also be a regressor.")
    return xs, rs


def _read(panel: SpatialPanel, y: str, xs: list[str], q: str, rs: list[str], fe: str) -> ThresholdData:
    """The variables as regions x periods arrays; :meth:`SpatialPanel.matrix` refuses missing and infinite
    cells naming the region and period (the panel itself is balanced by construction)."""

    def cube(names: list[str]) -> np.ndarray:
        mats = [panel.matrix(n).to_numpy(dtype=float) for n in names]
        return np.stack(mats, axis=2) if mats else np.empty((panel.n_regions, panel.n_periods, 0))

    data = ThresholdData(
        y=panel.matrix(y).to_numpy(dtype=float),
        x=cube(xs),
        r=cube(rs),
        q=cube([q])[:, :, 0],
        fixed_effects=fe,
    )
    scale = np.abs(np.concatenate([data.x, data.r], axis=2)).max(axis=(0, 1)) + 1.0
    spread = np.abs(within(np.concatenate([data.x, data.r], axis=2), fe)).max(axis=(0, 1))
    flat = [n for n, s, m in zip(xs + rs, spread, scale) if s <= 1e-12 * m]
    if flat:
        who = {"unit": "regions", "twoway": "regions and periods"}[fe]
        raise ModelError(
            f"{format_items(flat)} do(es) not vary within {who}: absorbed by the fixed effects; drop it."
        )
    if panel.n_periods < 2:
        raise ModelError(
            f"the panel has {panel.n_periods} period; a fixed-effects threshold model needs >= 2."
        )
    return data


def _check_options(n_thresholds: int, trim: float, draws: int, grid: int | None, level: float) -> None:
    check_int(n_thresholds, "n_thresholds", minimum=1, maximum=3, error=ModelError)
    check_number(trim, "trim", minimum=0, maximum=0.5, strict=True, error=ModelError)
    if (n_thresholds + 1) * trim >= 1:
        raise ModelError(
            f"trim={trim:g} leaves no room for {n_thresholds + 1} regimes of at least that share; "
            f"use trim < {1 / (n_thresholds + 1):.3g}."
        )
    check_int(draws, "draws", minimum=0, error=ModelError)
    if draws == 1:
        raise ModelError("draws must be 0 (no bootstrap) or an integer >= 2, got 1.")
    if grid is not None:
        check_int(grid, "grid", minimum=2, error=ModelError, hint=" (or None: every distinct value)")
    check_probability(level, "level", error=ModelError)


# ---------------------------------------------------------------------- fits at given thresholds
def _regimes(q: np.ndarray, cuts: Sequence[float]) -> np.ndarray:
    """Regime codes 0..m of ``q`` for the ascending thresholds ``cuts`` (``q <= gamma_1`` is regime 0)."""
    return np.searchsorted(np.asarray(cuts), q, side="left")


def _design(data: ThresholdData, cuts: Sequence[float]) -> np.ndarray:
    """Within-transformed regressors at the thresholds ``cuts``: controls, then r per regime (N x T x k)."""
    codes = _regimes(data.q, cuts)
    blocks = [data.r * (codes == j)[:, :, None] for j in range(len(cuts) + 1)]
    return within(np.concatenate([data.x, *blocks], axis=2), data.fixed_effects)


def _fit(data: ThresholdData, cuts: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Within OLS at the thresholds: coefficients, fitted values and residuals (N x T), ``(X'X)^-1``."""
    n_reg, n_per = data.shape
    xt = _design(data, cuts).reshape(n_reg * n_per, -1)
    yt = within(data.y, data.fixed_effects).ravel()
    beta, resid, bread = ols(xt, yt)
    return beta, (yt - resid).reshape(n_reg, n_per), resid.reshape(n_reg, n_per), bread


def _param_names(xs: list[str], rs: list[str], q: str, cuts: Sequence[float]) -> list[str]:
    for digits in (4, 6, 10):
        labels = [f"{g:.{digits}g}" for g in cuts]
        if len(set(labels)) == len(labels):
            break
    bounds = [f"{q}<={labels[0]}"]
    bounds += [f"{a}<{q}<={b}" for a, b in zip(labels[:-1], labels[1:])]
    bounds.append(f"{q}>{labels[-1]}")
    return xs + [f"{r} ({b})" for b in bounds for r in rs]


# ---------------------------------------------------------------------- the tables
def _interval(gammas: np.ndarray, lr: np.ndarray, crit: float) -> tuple[float, float]:
    inside = gammas[np.nan_to_num(lr, nan=np.inf) <= crit]
    return float(inside.min()), float(inside.max())


def _threshold_tables(
    engine: Engine, found: Search, m: int, df: int, crit: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The thresholds table and the long LR(gamma) frame of the data's search."""
    scale = {"Th-1": "Th-1", "Th-21": "Th-22", "Th-22": "Th-22", "Th-3": "Th-3"}
    keys = ["Th-1"] + (["Th-21", "Th-22"] if m >= 2 else []) + (["Th-3"] if m >= 3 else [])
    rows, curves = {}, []
    for key in keys:
        ssr = float(found.ssr(key)[0])
        sigma2 = float(found.ssr(scale[key])[0]) / df
        curve = found.curves[key][0]
        lr = np.where(np.isfinite(curve), (curve - ssr) / sigma2, np.nan)
        lo, hi = _interval(engine.gammas, lr, crit)
        gamma = float(engine.gammas[found.picks[key][0]])
        rows[key] = {"estimate": gamma, "ci_lower": lo, "ci_upper": hi, "ssr": ssr}
        curves.append(pd.DataFrame({"threshold": key, "gamma": engine.gammas, "lr": lr}))
    return pd.DataFrame.from_dict(rows, orient="index"), pd.concat(curves, ignore_index=True)


def _sets(engine: Engine, found: Search, k: int) -> list[float]:
    """Threshold values of the sequential model with ``k`` thresholds (0..3), ascending."""
    idx = {0: [], 1: ["Th-1"], 2: ["Th-21", "Th-22"], 3: ["Th-21", "Th-22", "Th-3"]}[k]
    return sorted(float(engine.gammas[found.picks[key][0]]) for key in idx)


def _alternative(engine: Engine, found: Search, k: int) -> list[float]:
    """Thresholds of the alternative of test ``k``: (Th-1), (Th-1, Th-22), (Th-21, Th-22, Th-3)."""
    idx = {1: ["Th-1"], 2: ["Th-1", "Th-22"], 3: ["Th-21", "Th-22", "Th-3"]}[k]
    return sorted(float(engine.gammas[found.picks[key][0]]) for key in idx)


def _tests(
    engine: Engine,
    found: Search,
    m: int,
    df: int,
    draws: int,
    seed: int | None,
    progress: Progress,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = engine.data
    streams = np.random.SeedSequence(seed).spawn(m)
    rows, boot = {}, {}
    with progress_bar(progress, m * draws, "threshold bootstrap") as update:
        for k in range(1, m + 1):
            s_null, s_alt = float(null_ssr(found, k - 1)[0]), float(alt_ssr(found, k)[0])
            f_stat = (s_null - s_alt) / (s_alt / df)
            row: dict[str, Any] = {"rss": s_alt, "mse": s_alt / df, "statistic": f_stat}
            if draws:
                fitted = _fit(data, _sets(engine, found, k - 1))[1]
                resid = _fit(data, _alternative(engine, found, k))[2]
                done = (k - 1) * draws

                def tell(n: int, done: int = done) -> None:
                    update(done + n, m * draws)

                f_star = bootstrap_f(engine, fitted, resid, k, df, streams[k - 1].spawn(draws), _CHUNK, tell)
                boot[TEST_NAMES[k - 1]] = f_star
                crit = np.quantile(f_star, [0.90, 0.95, 0.99])
                row |= {"p_value": float(np.mean(f_star >= f_stat)), "crit_10": crit[0], "crit_5": crit[1]}
                row |= {"crit_1": crit[2]}
            row["null"] = f"{k - 1} threshold{'s' if k != 2 else ''} against {k}"
            rows[TEST_NAMES[k - 1]] = row
    tests = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(TEST_COLUMNS))
    return tests, pd.DataFrame(boot)


# ---------------------------------------------------------------------- the estimator
def threshold(
    panel: SpatialPanel,
    y: str,
    x: str | Sequence[str] | None,
    q: str,
    regime: str | Sequence[str],
    *,
    n_thresholds: int = 1,
    trim: float = 0.05,
    draws: int = 300,
    seed: int | None = None,
    fixed_effects: ThresholdEffects = "unit",
    grid: int | None = 300,
    level: float = 0.95,
    progress: Progress = False,
) -> ThresholdResults:
    """Hansen's (1999) fixed-effects panel threshold regression with 1-3 thresholds (Stata ``xthreg``).

    .. math:: y_{it} = \\mu_i + x_{it}'\\beta + \\sum_j r_{it}'\\delta_j 1(\\gamma_{j-1} < q_{it} \\le
              \\gamma_j) + e_{it}

    Parameters
    ----------
    panel
        A balanced panel without missing cells in the variables used (a missing value is refused with its
        region and period: fill it or drop the region; Hansen's within estimator needs a balanced panel).
    y, x, q, regime
        Dependent variable; regime-independent controls (``x``, may be empty: ``()``); the threshold
        variable ``q`` (it may also be a control or a regime-dependent regressor); the regressor(s) whose
        slope switches at the thresholds (``xthreg``'s ``rx()``).
    n_thresholds
        1, 2 or 3, estimated sequentially: the second given the first, the first refined given the second
        (Hansen 1999, section 3.4), the third given the refined pair.
    trim
        Share of observations each regime keeps at least; the grid runs over the quantiles of ``q`` from
        ``trim`` to ``1 - trim`` (``xthreg``'s ``trim()``).
    grid
        Number of candidate thresholds: the empirical quantiles of ``q`` (observed values) at ``grid``
        levels evenly spaced from ``trim`` to ``1 - trim``, ties merged; 300 as ``xthreg``'s ``grid(300)``
        default.  Hansen (1999) used ``grid=393, trim=0.01`` (the 1%, 1.25%, ..., 99% quantiles);
        ``grid=None`` searches every distinct value of ``q`` in the trimmed range.
    draws, seed
        Bootstrap replications of each F test (0: no bootstrap, p-values NaN) and the seed of
        ``numpy.random.default_rng``: every draw has its own stream spawned from ``SeedSequence(seed)``,
        so the results do not depend on how the draws are batched.  The bootstrap is Hansen's: regressors
        and ``q`` held fixed, the within residuals of the alternative model resampled by region (whole
        residual vectors), added to the null model's fitted values, and the thresholds re-estimated.
    fixed_effects
        ``"unit"`` (Hansen's model) or ``"twoway"`` (period effects also absorbed, as adding year dummies
        to ``xthreg``'s controls).
    level
        Confidence level of the threshold intervals: ``{gamma: LR(gamma) <= -2 ln(1 - sqrt(level))}``,
        ``LR(gamma) = (S(gamma) - S(gamma_hat)) / sigma2_hat`` (Hansen 2000).
    progress
        ``True`` for a progress bar over the bootstrap draws, or a callable ``update(done, total)``.

    Returns
    -------
    ThresholdResults
        ``params`` and ``to_frame()`` (slopes with region-clustered standard errors; the conventional ones
        in ``std_error_conventional``), ``thresholds``, ``tests``, ``lr``, ``summary()``; plots with
        :func:`spillover.maps.threshold_plot`.

    Examples
    --------
    >>> import spillover as so
    >>> res = so.panel_models.threshold(panel, "i", ["q1", "d1"], "d1", "c1", draws=0)  # doctest: +SKIP
    """
    _check_options(n_thresholds, trim, draws, grid, level)
    check_seed(seed, error=ModelError)
    check_option(fixed_effects, ("unit", "twoway"), "fixed_effects", error=ModelError)
    xs, rs = _names(panel, y, x, q, regime)
    data = _read(panel, y, xs, q, rs, fixed_effects)
    n_reg, n_per = data.shape
    nobs = n_reg * n_per
    gammas = make_grid(data.q.ravel(), trim, grid)
    engine = Engine(data, gammas, max(1, math.floor(trim * nobs)))
    e0 = engine.residual(within(data.y, fixed_effects).reshape(1, -1))
    found = search(engine, engine.cross(e0), np.einsum("bn,bn->b", e0, e0), n_thresholds)
    _check_found(found, q)
    df = nobs - n_reg if fixed_effects == "unit" else (n_reg - 1) * (n_per - 1)
    crit = lr_critical_value(level)
    table, lr = _threshold_tables(engine, found, n_thresholds, df, crit)
    tests, f_draws = _tests(engine, found, n_thresholds, df, draws, seed, progress)
    cuts = _sets(engine, found, n_thresholds)
    opts = {"n_thresholds": n_thresholds, "trim": trim, "grid": grid, "gammas": gammas, "draws": draws}
    opts |= {"seed": seed, "level": level, "crit": crit}
    return _result(data, cuts, xs, rs, q, y, opts, table, tests, lr, f_draws)


def _check_found(found: Search, q: str) -> None:
    for key, curve in found.curves.items():
        if not np.isfinite(curve).any():
            raise ModelError(
                f"no candidate for threshold {key} of {q!r} leaves every regime its trimmed share of "
                "observations; lower trim or n_thresholds, or use a threshold variable with more distinct values."
            )


def _result(
    data: ThresholdData,
    cuts: list[float],
    xs: list[str],
    rs: list[str],
    q: str,
    y: str,
    opts: dict[str, Any],
    table: pd.DataFrame,
    tests: pd.DataFrame,
    lr: pd.DataFrame,
    f_draws: pd.DataFrame,
) -> ThresholdResults:
    n_reg, n_per = data.shape
    nobs = n_reg * n_per
    beta, _, resid, bread = _fit(data, cuts)
    xt = _design(data, cuts).reshape(nobs, -1)
    e = resid.ravel()
    k = xt.shape[1]
    # K of the small-sample factors (fixest's convention, as panel_models.fixed_effects): region effects
    # nested in the region clusters count 1, period effects their T levels; all of them without clusters
    two = data.fixed_effects == "twoway"
    k_cluster = k + (n_per if two else 1)
    cov, _ = vcov_cluster(bread, xt * e[:, None], [(np.repeat(np.arange(n_reg), n_per), n_reg)], k_cluster)
    conventional = vcov_iid(bread, e, k + n_reg + (n_per - 1 if two else 0))
    names = _param_names(xs, rs, q, cuts)
    yt = within(data.y, data.fixed_effects).ravel()
    return ThresholdResults(
        params=pd.Series(beta, index=names, name="params"),
        cov=pd.DataFrame(cov, index=names, columns=names),
        std_errors_conventional=pd.Series(np.sqrt(np.diag(conventional)), index=names, name="std_errors"),
        estimates=tuple(cuts),
        y_name=y,
        q_name=q,
        regime=tuple(rs),
        x=tuple(xs),
        n_thresholds=opts["n_thresholds"],
        fixed_effects=data.fixed_effects,
        trim=float(opts["trim"]),
        grid=opts["grid"],
        grid_size=len(opts["gammas"]),
        draws=opts["draws"],
        seed=opts["seed"],
        level=float(opts["level"]),
        critical_value=opts["crit"],
        nobs=nobs,
        n_regions=n_reg,
        n_periods=n_per,
        df_resid=n_reg - 1,
        rss=float(e @ e),
        r2_within=1.0 - float(e @ e) / float(yt @ yt),
        _thresholds=table,
        _tests=tests,
        _lr=lr,
        _f_draws=f_draws,
    )
