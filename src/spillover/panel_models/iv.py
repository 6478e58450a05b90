"""Fixed-effects instrumental variables (2SLS) with cluster-robust errors and weak-instrument diagnostics.

The structural equation and first stages are

    y_it = x_it' beta + w_it' gamma + mu_i + lambda_t + e_it,
    x_it = z_it' Pi + w_it' Delta + a_i + b_t + v_it,

with endogenous ``x``, included exogenous ``w`` and excluded instruments ``z``.  The fixed effects are
partialled out of every variable first (Frisch-Waugh-Lovell; linearmodels' IV estimators cannot absorb
them), then 2SLS runs on the within-transformed data.  Kleibergen-Paap statistics come from linearmodels 7.1
(``linearmodels.iv.common``), applied to the within-transformed data with the included exogenous regressors
partialled out, as Stata's ``ivreg2``/``ranktest`` do.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.errors import ModelError, format_items
from spillover.options import ConleyKernel, StandardErrors, renamed
from spillover.panel import SpatialPanel
from spillover.panel_models._data import Cluster, FixedEffects, Sample, covariance, prepare, with_se
from spillover.panel_models._results import PanelResults
from spillover.panel_models._within import ols, score_cov
from spillover.panel_models.fe import as_list, check_variation, se_label
from spillover.spatial.testresult import TestResult
from spillover.summary import Summary

__all__ = ["fe_iv", "IVResults", "FirstStage", "stock_yogo"]

# Olea and Pflueger (2013) simplified critical value of the effective F for a 5% test that the worst-case
# TSLS bias exceeds 10% of the benchmark (Andrews, Stock and Sun 2019, Annual Review of Economics, sec. 3).
OLEA_PFLUEGER_10PCT_5PCT = 23.109


@lru_cache(maxsize=1)
def _stock_yogo_table() -> pd.DataFrame:
    with resources.files("spillover.panel_models").joinpath("stock_yogo.csv").open() as fh:
        return pd.read_csv(fh)


def stock_yogo(n_endog: int, n_instruments: int) -> pd.DataFrame:
    """Stock-Yogo (2005) TSLS critical values that apply to ``n_endog`` regressors, ``n_instruments``.

    Rows are (criterion, threshold): relative bias 5/10/20/30% (Table 5.1, needs ``n_instruments >=
    n_endog + 2``) and size 10/15/20/25% (Table 5.2, ``n_endog <= 2``); empty when none apply.

    Examples
    --------
    >>> stock_yogo(1, 1)["critical_value"].tolist()
    [16.38, 8.96, 6.66, 5.53]
    """
    tab = _stock_yogo_table()
    rows = tab[(tab["n_endog"] == n_endog) & (tab["n_instruments"] == n_instruments)]
    return rows[["criterion", "threshold", "critical_value"]].reset_index(drop=True)


@dataclass(frozen=True)
class FirstStage(ReadOnly):
    """First-stage regressions and weak-identification diagnostics of :func:`fe_iv`.

    Attributes
    ----------
    coefficients
        One coefficient table per endogenous regressor (estimate, std_error, t, p), instruments first.
    partial_r2
        Partial R-squared of the excluded instruments, per endogenous regressor.
    f_stat
        Cluster-robust F of the excluded instruments per endogenous regressor (Wald / L with the CR1
        covariance, reference F(L, G-1)): a :class:`~spillover.spatial.testresult.TestResult` each.
    kp_lm
        Kleibergen-Paap rk LM test of under-identification (chi2(L - m + 1)).
    kp_f
        Kleibergen-Paap rk Wald F (weak identification; no p-value, compare with :attr:`stock_yogo`).
    anderson_rubin
        Anderson-Rubin test of H0: beta_endog = 0, robust to weak instruments (F and chi2 forms).
    hansen_j
        Hansen's J test of over-identifying restrictions (None when exactly identified).
    effective_f
        Olea-Pflueger effective F (one endogenous regressor; else None).
    stock_yogo
        Stock-Yogo critical values for this number of endogenous regressors and instruments.
    """

    coefficients: dict[str, pd.DataFrame]
    partial_r2: pd.Series
    f_stat: dict[str, TestResult]
    kp_lm: TestResult | None
    kp_f: float
    anderson_rubin: dict[str, TestResult]
    hansen_j: TestResult | None
    effective_f: float | None
    stock_yogo: pd.DataFrame
    notes: tuple[str, ...] = ()

    def diagnostics(self) -> list[str]:
        """The weak-identification diagnostics, one line each."""
        rows = [
            f"Kleibergen-Paap rk LM (under-identification): {self.kp_lm}",
            f"Kleibergen-Paap rk Wald F (weak identification): {self.kp_f:.3f}",
        ]
        if self.effective_f is not None:
            rows.append(
                f"Olea-Pflueger effective F: {self.effective_f:.3f} (simplified 5% critical value for "
                f"10% worst-case bias: {OLEA_PFLUEGER_10PCT_5PCT})"
            )
        rows += [f"{t}" for t in self.anderson_rubin.values()]
        rows.append(f"{self.hansen_j}" if self.hansen_j else "Hansen J: exactly identified, no test")
        if len(self.stock_yogo):
            rows.append("Stock-Yogo (2005) critical values (i.i.d. errors; a heuristic for the KP F):")
            rows += [
                f"  {r.criterion} {r.threshold:.0%}: {r.critical_value:.2f}"
                for r in self.stock_yogo.itertuples()
            ]
        return rows + [f"note: {n}" for n in self.notes]

    def captions(self) -> tuple[str, ...]:
        """One caption per first-stage table: the endogenous regressor, partial R2 and F."""
        return tuple(
            f"First stage for {name}: partial R2 = {self.partial_r2[name]:.4f}, {self.f_stat[name]}"
            for name in self.coefficients
        )

    def summary(self) -> Summary:
        """The first stages (one table each) and the weak-identification diagnostics (notes)."""
        return Summary(
            "First stages and weak-identification diagnostics",
            tuple(self.coefficients.values()),
            captions=self.captions(),
            notes="\n".join(self.diagnostics()),
        )

    def __str__(self) -> str:
        return str(self.summary())


@dataclass(frozen=True)
class IVResults(PanelResults):
    """Result of :func:`fe_iv`: the 2SLS estimates (as :class:`PanelResults`) and :attr:`first_stage`."""

    first_stage: FirstStage | None = field(default=None, repr=False)
    endog: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()

    def summary(self) -> Summary:
        """The second stage followed by the first stages and the diagnostics."""
        header = self._header() | {
            "Instrumented": ", ".join(self.endog),
            "Excluded instruments": ", ".join(self.instruments),
        }
        first = self.first_stage
        tables, notes = (self.to_frame(),), ""
        captions: tuple[str, ...] = ("Second stage",)
        if first is not None:
            tables += tuple(first.coefficients.values())
            captions += first.captions()
            notes = "Weak-identification diagnostics:\n" + "\n".join(first.diagnostics())
        return Summary(
            f"{self.model} regression of {self.y_name}", tables, header=header, notes=notes, captions=captions
        )


def _check_roles(y: str, exog: list[str], endog: list[str], instruments: list[str]) -> None:
    both = [v for v in endog if v in exog]
    if both:
        raise ModelError(
            f"{format_items(both)} is listed both as endogenous and as exogenous; an "
            "endogenous regressor must not be in exog."
        )
    clash = [v for v in instruments if v in exog or v in endog]
    if clash:
        raise ModelError(
            f"instrument(s) {format_items(clash)} are also regressors; list excluded instruments "
            "only (included exogenous regressors are instruments for themselves)."
        )
    if y in exog + endog + instruments:
        raise ModelError(f"the dependent variable {y!r} is also listed among the regressors or instruments.")
    if not endog:
        raise ModelError(
            "fe_iv needs at least one endogenous regressor in endog= (use fixed_effects for OLS)."
        )
    if len(instruments) < len(endog):
        raise ModelError(
            f"the model is under-identified: {len(endog)} endogenous regressor(s) "
            f"({format_items(endog)}) but only {len(instruments)} instrument(s)."
        )


@renamed(effects="fixed_effects")
def fe_iv(
    panel: SpatialPanel,
    y: str,
    *,
    exog: str | Sequence[str] | None = None,
    endog: str | Sequence[str],
    instruments: str | Sequence[str],
    fixed_effects: FixedEffects = "twoway",
    cluster: Cluster = "unit",
    beta0: float = 0.0,
    se: StandardErrors = "cluster",
    cutoff_km: float | None = None,
    coords: tuple[str, str] | None = None,
    kernel: ConleyKernel = "bartlett",
    lag: int = 0,
) -> IVResults:
    """Two-stage least squares with fixed effects absorbed, clustered errors and first-stage diagnostics.

    Parameters
    ----------
    panel, y
        The panel and the dependent variable.
    exog, endog, instruments
        Included exogenous regressors, endogenous regressors and excluded instruments (column names).
    fixed_effects, cluster
        As in :func:`~spillover.panel_models.fixed_effects`.
    beta0
        Value of the endogenous coefficients under the Anderson-Rubin null (default 0).
    se, cutoff_km, coords, kernel, lag
        ``se="conley"``: Conley spatial-HAC standard errors, as in
        :func:`~spillover.panel_models.fixed_effects`, from the second-stage scores ``xhat e``; the
        first-stage F and Anderson-Rubin tests use the same covariance.  The Kleibergen-Paap statistics are
        then those of iid errors and Hansen's J uses the heteroskedasticity-robust weight (a note says so).

    Returns
    -------
    IVResults
        2SLS params/std_errors/pvalues, and ``first_stage`` with, per endogenous regressor, the coefficient
        table, partial R2 and cluster-robust F; the Kleibergen-Paap rk LM and rk Wald F; the Anderson-Rubin
        test; Hansen's J when over-identified; the Olea-Pflueger effective F with one endogenous regressor;
        and the Stock-Yogo critical values that apply.

    Notes
    -----
    Degrees of freedom follow ivreg2 as used with absorbed fixed effects (ivreghdfe): the absorbed effects
    enter K (ivreg2's ``sdofminus``) except those nested within the clusters.  The CR1 covariance is
    ``G/(G-1) (n-1)/(n-K)`` with K = regressors + absorbed effects; the first-stage F statistics use
    K = instruments + included exogenous + absorbed effects, so that with one endogenous regressor and one
    instrument the rk Wald F, ``W/(n-1) (n-K)(G-1)/(G L)`` with ivreg2's formula, equals the cluster-robust
    first-stage F.  The rk LM and Hansen J are large-sample statistics without small-sample factors (as
    ivreg2's).  The Anderson-Rubin test regresses ``y - x beta0`` on the instruments and exogenous
    regressors (fixed effects absorbed) and tests the instruments with the CR1 covariance: F(L, G-1) and
    chi2(L) forms.  This is the weak-instrument-robust test of the structural coefficients, not the
    over-identification test linearmodels calls ``anderson_rubin``.  Two-way clustering is not available
    for the KP statistics (linearmodels does not support it); they are then reported as missing with a note.

    Examples
    --------
    >>> import spillover as so
    >>> panel = so.panel_models.lag(so.datasets.us_states(), ["ln_pcap", "ln_emp"])
    >>> res = fe_iv(panel, "ln_gsp", exog=["ln_pc", "unemp"], endog="ln_emp", instruments="L1.ln_emp")
    >>> res.nobs, res.first_stage.kp_f > 10
    (768, True)
    """
    exog, endog, instruments = (
        as_list(exog, "exog"),
        as_list(endog, "endog"),
        as_list(instruments, "instruments"),
    )
    _check_roles(y, exog, endog, instruments)
    sample = prepare(panel, [y, *endog, *exog, *instruments], fixed_effects=fixed_effects, cluster=cluster)
    sample = with_se(sample, panel, se=se, cutoff_km=cutoff_km, coords=coords, kernel=kernel, lag=lag)
    arrays = _within_arrays(sample, y, exog, endog, instruments)
    return _estimate(sample, y, exog, endog, instruments, arrays, beta0)


@dataclass(frozen=True)
class _Arrays:
    y: np.ndarray
    x: np.ndarray  # endogenous
    w: np.ndarray  # included exogenous (with a constant when no effects are absorbed)
    z: np.ndarray  # excluded instruments
    w_names: list[str]
    yraw: np.ndarray


def _within_arrays(
    sample: Sample, y: str, exog: list[str], endog: list[str], instruments: list[str]
) -> _Arrays:
    absorb = sample.absorber()
    tr = (lambda a: absorb(a)) if sample.fixed_effects != "none" else (lambda a: np.asarray(a, float))
    z = tr(sample.matrix(instruments))
    check_variation(z, sample.matrix(instruments), instruments, sample.fixed_effects, role="instrument")
    x = tr(sample.matrix(endog))
    check_variation(x, sample.matrix(endog), endog, sample.fixed_effects, role="endogenous regressor")
    w = tr(sample.matrix(exog))
    w_names = list(exog)
    if exog:
        check_variation(w, sample.matrix(exog), exog, sample.fixed_effects, role="exogenous regressor")
    if sample.fixed_effects == "none":
        w, w_names = np.column_stack([w, np.ones(sample.nobs)]), [*w_names, "const"]
    check_variation(
        np.column_stack([x, w, z]),
        np.column_stack([x, w, z]),
        [*endog, *w_names, *instruments],
        "none" if sample.fixed_effects == "none" else sample.fixed_effects,
        role="variable",
    )
    return _Arrays(tr(sample.column(y)), x, w, z, w_names, sample.column(y))


def _estimate(
    sample: Sample,
    y: str,
    exog: list[str],
    endog: list[str],
    instruments: list[str],
    a: _Arrays,
    beta0: float,
) -> IVResults:
    names = [*endog, *a.w_names]
    xmat = np.column_stack([a.x, a.w])
    zmat = np.column_stack([a.z, a.w])
    _, _, zz_inv = ols(zmat, np.zeros(len(zmat)))
    xhat = zmat @ (zz_inv @ (zmat.T @ xmat))
    beta = np.linalg.solve(xhat.T @ xmat, xhat.T @ a.y)
    resid = a.y - xmat @ beta
    bread = np.linalg.inv(xhat.T @ xhat)
    k = xmat.shape[1] + sample.absorbed_df()
    cov, df, g = covariance(sample, xhat, resid, bread, k)
    rss = float(resid @ resid)
    tss_w = float(((a.y - a.y.mean()) ** 2).sum()) if sample.fixed_effects == "none" else float(a.y @ a.y)
    tss = float(((a.yraw - a.yraw.mean()) ** 2).sum())
    first = _first_stage(sample, a, endog, instruments, beta, zmat, resid, beta0)
    extra = _table_rows(first, len(endog), len(instruments))
    return IVResults(
        pd.Series(beta, index=names, name="params"),
        pd.DataFrame(cov, index=names, columns=names),
        sample.nobs,
        df,
        1 - rss / tss_w,
        1 - rss / tss,
        y,
        sample.fixed_effects,
        sample.cluster,
        g,
        sample.n_units,
        sample.n_times,
        sample.dropped,
        model="FE-IV (2SLS)",
        rss=rss,
        extra_rows=extra,
        first_stage=first,
        endog=tuple(endog),
        instruments=tuple(instruments),
        se_label=se_label(sample),
    )


def _table_rows(first: FirstStage, m: int, n_instr: int) -> dict[str, str]:
    rows = {
        "KP rk LM p-value": f"{first.kp_lm.pvalue:.3f}" if first.kp_lm else "",
        "KP rk Wald F": f"{first.kp_f:.2f}" if np.isfinite(first.kp_f) else "",
    }
    if first.effective_f is not None:
        rows["Effective F (OP)"] = f"{first.effective_f:.2f}"
    sy = first.stock_yogo
    size10 = sy[(sy["criterion"] == "size") & (sy["threshold"] == 0.10)]
    if len(size10):
        rows["SY 10% size c.v."] = f"{size10['critical_value'].iloc[0]:.2f}"
    ar = first.anderson_rubin.get("F")
    rows["AR p-value"] = f"{ar.pvalue:.3f}" if ar else ""
    if first.hansen_j is not None:
        rows["Hansen J p-value"] = f"{first.hansen_j.pvalue:.3f}"
    return rows


def _wald_block(
    sample: Sample, target: np.ndarray, zmat: np.ndarray, n_test: int, k_extra: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, float]:
    """OLS of ``target`` on ``zmat`` with CR1 covariance; Wald statistic of the first ``n_test`` coefs."""
    coef, resid, bread = ols(zmat, target)
    k = zmat.shape[1] + k_extra
    cov, df, _ = covariance(sample, zmat, resid, bread, k)
    b, v = coef[:n_test], cov[:n_test, :n_test]
    wald = float(b @ np.linalg.solve(v, b))
    return coef, cov, resid, df, wald


def _first_stage(
    sample: Sample,
    a: _Arrays,
    endog: list[str],
    instruments: list[str],
    beta: np.ndarray,
    zmat: np.ndarray,
    resid2: np.ndarray,
    beta0: float,
) -> FirstStage:
    n_l, n_m = a.z.shape[1], a.x.shape[1]
    absorbed = sample.absorbed_df()
    coefs, r2, fstats = {}, {}, {}
    znames = [*instruments, *a.w_names]
    zp = _partial(a.z, a.w)
    for j, name in enumerate(endog):
        coef, cov, _, df, wald = _wald_block(sample, a.x[:, j], zmat, n_l, absorbed)
        se = np.sqrt(np.diag(cov))
        t = coef / se
        coefs[name] = pd.DataFrame(
            {"estimate": coef, "std_error": se, "t": t, "p": 2 * stats.t.sf(np.abs(t), df)}, index=znames
        )
        xp = _partial(a.x[:, [j]], a.w).ravel()
        fit = zp @ np.linalg.lstsq(zp, xp, rcond=None)[0]
        r2[name] = float(fit @ fit / (xp @ xp))
        fstats[name] = _f_test(
            f"First-stage F ({name})",
            wald / n_l,
            n_l,
            df,
            f"the excluded instruments do not enter the first stage of {name}",
        )
    kp_lm, kp_f, notes = _kleibergen_paap(sample, a, absorbed)
    ar = _anderson_rubin(sample, a, zmat, beta0, absorbed)
    hansen = _hansen_j(sample, a, zmat, resid2) if n_l > n_m else None
    eff = _effective_f(sample, a, zmat, absorbed) if n_m == 1 else None
    return FirstStage(
        coefs,
        pd.Series(r2, name="partial_r2"),
        fstats,
        kp_lm,
        kp_f,
        ar,
        hansen,
        eff,
        stock_yogo(n_m, n_l),
        tuple(notes),
    )


def _f_test(name: str, f: float, df1: int, df2: int, null: str) -> TestResult:
    return TestResult(name, float(f), int(df1), float(stats.f.sf(f, df1, df2)), null, note=f"F({df1}, {df2})")


def _partial(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    if w.shape[1] == 0:
        return a
    return a - w @ np.linalg.lstsq(w, a, rcond=None)[0]


def _kleibergen_paap(sample: Sample, a: _Arrays, absorbed: int) -> tuple[TestResult | None, float, list[str]]:
    """rk LM and rk Wald F from linearmodels, the F rescaled to count the absorbed fixed effects."""
    from linearmodels.iv.common import kleibergen_paap, kleibergen_paap_f

    if len(sample.clusters) > 1:
        return (
            None,
            float("nan"),
            [
                "Kleibergen-Paap statistics need one-way clustering (linearmodels does "
                "not support two-way); refit with cluster='unit' to see them."
            ],
        )
    if sample.clusters:
        cov_type, cfg = "clustered", {"clusters": sample.clusters[0][0]}
    else:
        cov_type, cfg = "unadjusted", None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = kleibergen_paap(a.x, a.z, a.w, cov_type, cfg)
        f = float(kleibergen_paap_f(a.x, a.z, a.w, cov_type, cfg))
    n, n_l, c = sample.nobs, a.z.shape[1], a.w.shape[1]
    f *= (n - n_l - c - absorbed) / (n - n_l - c)  # ivreg2's sdofminus: the absorbed effects count in K
    notes: list[str] = []
    if not hasattr(lm, "stat") or not np.isfinite(getattr(lm, "stat", np.nan)):
        return None, f, [f"rk LM not available: {getattr(lm, 'reason', 'undefined')}"]
    test = TestResult.from_chi2(
        "Kleibergen-Paap rk LM",
        float(lm.stat),
        int(lm.df),
        "the model is under-identified (first-stage matrix not of full rank)",
    )
    if sample.conley is not None:
        notes.append(
            "se='conley': the rk statistics are Anderson's LM and the Cragg-Donald F (iid errors), Hansen's J "
            "uses the heteroskedasticity-robust weight; the first-stage F and Anderson-Rubin tests are Conley."
        )
    elif not sample.clusters:
        notes.append("cluster=None: the rk statistics are Anderson's LM and the Cragg-Donald F (iid errors).")
    return test, f, notes


def _anderson_rubin(
    sample: Sample, a: _Arrays, zmat: np.ndarray, beta0: float, absorbed: int
) -> dict[str, TestResult]:
    n_l = a.z.shape[1]
    target = a.y - a.x @ np.full(a.x.shape[1], beta0)
    _, _, _, df, wald = _wald_block(sample, target, zmat, n_l, absorbed)
    null = f"the endogenous coefficients equal {beta0:g} (robust to weak instruments)"
    return {
        "F": _f_test("Anderson-Rubin F", wald / n_l, n_l, df, null),
        "chi2": TestResult.from_chi2("Anderson-Rubin chi2", wald, n_l, null),
    }


def _hansen_j(sample: Sample, a: _Arrays, zmat: np.ndarray, resid: np.ndarray) -> TestResult:
    """Hansen's J of the two-step efficient GMM estimator with a cluster-robust weight matrix."""
    xmat = np.column_stack([a.x, a.w])
    wmat = np.linalg.pinv(score_cov(zmat * resid[:, None], sample.clusters)[0])
    zx, zy = zmat.T @ xmat, zmat.T @ a.y
    b = np.linalg.solve(zx.T @ wmat @ zx, zx.T @ wmat @ zy)
    gbar = zmat.T @ (a.y - xmat @ b)
    j = float(gbar @ wmat @ gbar)
    return TestResult.from_chi2(
        "Hansen J",
        j,
        a.z.shape[1] - a.x.shape[1],
        "the over-identifying restrictions are valid (instruments exogenous)",
    )


def _effective_f(sample: Sample, a: _Arrays, zmat: np.ndarray, absorbed: int) -> float:
    """Olea-Pflueger effective F: pi' Z'Z pi / tr(V_pi Z'Z), instruments partialled of the exogenous."""
    n_l = a.z.shape[1]
    coef, cov, _, _, _ = _wald_block(sample, a.x[:, 0], zmat, n_l, absorbed)
    zp = _partial(a.z, a.w)
    qzz = zp.T @ zp
    pi, v = coef[:n_l], cov[:n_l, :n_l]
    return float(pi @ qzz @ pi / np.trace(v @ qzz))
