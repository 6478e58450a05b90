"""Two-way fixed-effects regression with cluster-robust standard errors.

The model is

    y_it = x_it' beta + mu_i + lambda_t + e_it,

with region effects ``mu_i`` and period effects ``lambda_t`` absorbed (``effects``) and standard errors
clustered by region, period, both, or any column of the panel.  Estimation uses pyfixest (a port of R's
fixest); :func:`within_fit` is the plain-numpy version the bootstraps and subsample tests use, checked
against pyfixest in the tests.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spillover.errors import ModelError, format_items
from spillover.options import ConleyKernel, StandardErrors, check_int, check_option, renamed
from spillover.panel import SpatialPanel
from spillover.panel_models._data import (
    Cluster,
    FixedEffects,
    Inference,
    Sample,
    check_backend_rows,
    check_clusters,
    covariance,
    prepare,
    with_se,
)
from spillover.panel_models._pyfixest import feols, keep_root_logging
from spillover.panel_models._results import PanelResults
from spillover.panel_models._within import Absorber, ols

__all__ = ["fixed_effects", "fit_sample", "within_fit", "WithinFit", "as_list", "check_variation"]

_FE_WORDS = {"twoway": "regions and periods", "unit": "regions", "time": "periods", "none": "the sample"}


def as_list(names: str | Sequence[str] | None, what: str) -> list[str]:
    """A list of column names (a single name allowed); an error for anything else."""
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    out = list(names)
    bad = [n for n in out if not isinstance(n, str)]
    if bad:
        raise ModelError(f"{what} must be column names (strings); got {format_items(bad)}.")
    return out


def check_variation(
    xt: np.ndarray, raw: np.ndarray, names: Sequence[str], fixed_effects: str, role: str = "regressor"
) -> None:
    """Raise if a within-transformed column is (numerically) zero: it is absorbed by the fixed effects."""
    scale = np.maximum(np.abs(raw).max(axis=0), 1.0)
    flat = np.abs(xt).max(axis=0) <= 1e-9 * scale
    if flat.any():
        bad = [n for n, f in zip(names, flat) if f]
        raise ModelError(
            f"{role} {format_items(bad)} does not vary within {_FE_WORDS[fixed_effects]}: it is "
            f"absorbed by the {fixed_effects} fixed effects. Drop it or change fixed_effects=."
        )
    if xt.shape[1] > 1:
        r = np.linalg.qr(xt, mode="r")
        diag = np.abs(np.diag(r))
        weak = diag <= 1e-10 * np.linalg.norm(xt, axis=0)
        if weak.any():
            bad = [n for n, f in zip(names, weak) if f]
            raise ModelError(
                f"{role} {format_items(bad)} is collinear with the other regressors after "
                "absorbing the fixed effects; drop it."
            )


@dataclass(frozen=True)
class WithinFit:
    """Numbers of one within regression (plain arrays, for internal use and bootstraps)."""

    beta: np.ndarray
    cov: np.ndarray
    resid: np.ndarray
    xt: np.ndarray
    yt: np.ndarray
    bread: np.ndarray
    df_resid: int
    n_clusters: int | None
    n_params: int
    r2_within: float
    r2: float


def design(sample: Sample, y: str, x: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Within-transformed y and X (a constant added when no effects are absorbed), and the names."""
    names = list(x) + (["const"] if sample.fixed_effects == "none" else [])
    xr = sample.matrix(x)
    if sample.fixed_effects == "none":
        xr = np.column_stack([xr, np.ones(sample.nobs)])
        absorb = Absorber(())
    else:
        absorb = sample.absorber()
    xt = absorb(xr) if sample.fixed_effects != "none" else xr
    yt = absorb(sample.column(y)) if sample.fixed_effects != "none" else sample.column(y)
    return yt, xt, names


def within_fit(sample: Sample, y: str, x: Sequence[str], *, check: bool = True) -> WithinFit:
    """OLS on the within-transformed sample with the covariance chosen by ``sample.cluster``."""
    yt, xt, names = design(sample, y, x)
    if check:
        check_variation(
            xt, sample.matrix(list(x)) if sample.fixed_effects != "none" else xt, names, sample.fixed_effects
        )
    return fit_arrays(sample, yt, xt, sample.column(y))


def fit_arrays(sample: Sample, yt: np.ndarray, xt: np.ndarray, yraw: np.ndarray) -> WithinFit:
    """OLS of within-transformed arrays; covariance and R2 as in :func:`within_fit`."""
    beta, resid, bread = ols(xt, yt)
    k = xt.shape[1] + sample.absorbed_df()
    cov, df, g = covariance(sample, xt, resid, bread, k)
    rss = float(resid @ resid)
    tss_w = float(((yt - yt.mean()) ** 2).sum()) if sample.fixed_effects == "none" else float(yt @ yt)
    tss = float(((yraw - yraw.mean()) ** 2).sum())
    return WithinFit(beta, cov, resid, xt, yt, bread, df, g, k, 1 - rss / tss_w, 1 - rss / tss)


@renamed(effects="fixed_effects")
def fixed_effects(
    panel: SpatialPanel,
    y: str,
    x: str | Sequence[str],
    *,
    fixed_effects: FixedEffects = "twoway",
    cluster: Cluster = "unit",
    inference: Inference = "cluster",
    draws: int = 999,
    seed: int | None = 0,
    se: StandardErrors = "cluster",
    cutoff_km: float | None = None,
    coords: tuple[str, str] | None = None,
    kernel: ConleyKernel = "bartlett",
    lag: int = 0,
) -> PanelResults:
    """Fixed-effects regression with region and/or period effects absorbed and clustered errors.

    .. math:: y_{it} = x_{it}'\\beta + \\mu_i + \\lambda_t + \\varepsilon_{it}

    Parameters
    ----------
    panel
        The panel; rows where y or a regressor is missing are dropped and reported in ``result.dropped``
        (e.g. the first period after :func:`~spillover.panel_models.lag`).  Unbalanced samples are fine.
    y, x
        Dependent variable and regressors (columns of the panel).
    fixed_effects
        ``"twoway"`` (region and period), ``"unit"`` (region), ``"time"`` (period) or ``"none"`` (pooled
        OLS with a constant ``const``).
    cluster
        ``"unit"`` (region, default), ``"time"``, ``"twoway"`` (Cameron-Gelbach-Miller), the name of a
        column of the panel (e.g. a province group), or None (or "none") for classical iid errors.
        Clustering needs more clusters than coefficients (else a ModelError); with fewer than 20 clusters a
        :class:`~spillover.errors.FewClustersWarning` suggests the wild bootstrap.
    inference
        ``"cluster"``: p-values from t(G-1) with the CR1 covariance; ``"wild"``: wild cluster bootstrap
        p-values (restricted WCR, Rademacher weights; pyfixest's ``wildboottest``, which uses the
        ``wildboottest`` package), one-way clustering only.  Standard errors and intervals stay CR1.
    draws, seed
        Bootstrap draws and seed of ``inference="wild"``.
    se
        ``"cluster"`` (default): as ``cluster=`` says.  ``"conley"``: Conley (1999) spatial-HAC standard
        errors (``cluster=`` left out): errors may correlate between observations of the same period
        within ``cutoff_km`` (great-circle distance), and, with ``lag > 0``, within a region over up to
        ``lag`` periods.  The covariance is ``N/(N-K) (X'X)^-1 meat (X'X)^-1`` with the meat of
        :mod:`spillover.panel_models._conley` on the within-transformed scores, K counting the coefficients
        and all absorbed fixed effects (pyfixest's and fixest's heteroskedasticity-robust factor, so a
        cutoff below the smallest distance with ``lag=0`` gives their ``"hetero"`` covariance); p-values
        and intervals from t(N-K).  Coefficients are pyfixest's within estimator (run in numpy).
    cutoff_km
        Distance in km beyond which errors are uncorrelated (needed with ``se="conley"``).
    coords
        ``(lon, lat)``: two columns of the panel with each row's longitude and latitude in degrees; by
        default the regions' centroids (computed from the panel's boundaries in an equal-area projection).
    kernel
        ``"bartlett"`` (default; weights ``1 - d / cutoff_km``) or ``"uniform"``
        (weight 1 within the cutoff, Conley 1999; its covariance need not be positive semi-definite).
    lag
        Serial correlation within a region up to ``lag`` periods apart, Bartlett weights
        ``1 - l / (lag + 1)`` (conleyreg's and acreg's ``lag_cutoff``); 0 (default) for none.

    Returns
    -------
    PanelResults
        params, std_errors, tstats, pvalues, conf_int(), nobs, r2_within, r2, dropped, summary(),
        to_frame().  The covariance is CR1, ``G/(G-1) (n-1)/(n-K)``, K counting the absorbed fixed effects
        that are not nested within the clusters (pyfixest/fixest ``ssc`` defaults, as Stata's reghdfe);
        p-values and intervals use t(G-1).

    Examples
    --------
    >>> import spillover as so
    >>> res = fixed_effects(so.datasets.us_states(), "ln_gsp", ["ln_pcap", "ln_pc", "ln_emp", "unemp"])
    >>> round(float(res.params["ln_emp"]), 4), res.nobs, res.n_clusters
    (0.7693, 816, 48)
    """
    x = as_list(x, "x")
    if not x:
        raise ModelError("fixed_effects needs at least one regressor in x.")
    sample = prepare(panel, [y, *x], fixed_effects=fixed_effects, cluster=cluster)
    sample = with_se(sample, panel, se=se, cutoff_km=cutoff_km, coords=coords, kernel=kernel, lag=lag)
    return fit_sample(
        sample,
        y,
        x,
        inference=inference,
        draws=draws,
        seed=seed,
    )


def fit_sample(
    sample: Sample,
    y: str,
    x: Sequence[str],
    *,
    engine: str = "pyfixest",
    inference: Inference = "cluster",
    draws: int = 999,
    seed: int | None = 0,
) -> PanelResults:
    """Fixed-effects regression of ``y`` on ``x`` on a prepared sample (``engine="numpy"``: the plain
    within regression of :func:`within_fit`, used for many small fits such as subsamples;
    ``inference="wild"``: wild cluster bootstrap p-values, pyfixest engine only)."""
    x = list(x)
    names = x + (["const"] if sample.fixed_effects == "none" else [])
    k = len(names) + sample.absorbed_df()
    if sample.nobs <= k:
        raise ModelError(
            f"{sample.nobs} observations are too few for {len(names)} coefficients and "
            f"{sample.absorbed_df()} absorbed fixed effects."
        )
    if sample.conley is not None:
        if inference != "cluster":
            raise ModelError(f"inference={inference!r} does not apply with se='conley'; leave it out.")
        engine = "numpy"  # pyfixest (0.60) has no Conley covariance: the numpy within fit computes it
    wild = _wild_options(sample, inference, draws, seed)
    extra: dict[str, str] = {}
    boot = None
    if engine == "pyfixest":
        check_clusters(sample, len(names), warn=wild is None)  # numpy's path checks in covariance()
        pf_fit = _pyfixest(sample, y, x, wild)
        if pf_fit.collinear:  # pyfixest dropped them: say why, in our words
            yt, xt, names = design(sample, y, x)
            check_variation(
                xt, sample.matrix(x) if sample.fixed_effects != "none" else xt, names, sample.fixed_effects
            )
            raise ModelError(
                f"regressor(s) {format_items(pf_fit.collinear)} are collinear with the others after "
                "absorbing the fixed effects; drop them."
            )
        params, cov, r2w, r2, rss, boot = (
            pf_fit.params,
            pf_fit.cov,
            pf_fit.r2_within,
            pf_fit.r2,
            pf_fit.rss,
            pf_fit.wild_pvalues,
        )
        if wild is not None:
            extra["P-values"] = (
                f"wild cluster bootstrap (WCR, Rademacher weights, {wild[0]} draws, seed "
                f"{wild[1]}; wildboottest via pyfixest)"
            )
    else:
        yt, xt, names = design(sample, y, x)
        check_variation(
            xt, sample.matrix(x) if sample.fixed_effects != "none" else xt, names, sample.fixed_effects
        )
        fit = fit_arrays(sample, yt, xt, sample.column(y))
        params = pd.Series(fit.beta, index=names, name="params")
        cov, r2w, r2 = pd.DataFrame(fit.cov, index=names, columns=names), fit.r2_within, fit.r2
        rss = float(fit.resid @ fit.resid)
    g = sample.n_clusters
    return PanelResults(
        params,
        cov,
        sample.nobs,
        (g - 1) if g else sample.nobs - k,
        r2w,
        r2,
        y,
        sample.fixed_effects,
        sample.cluster,
        g,
        sample.n_units,
        sample.n_times,
        sample.dropped,
        rss=rss,
        extra_rows=extra,
        wild_pvalues=boot,
        se_label=se_label(sample),
    )


def se_label(sample: Sample) -> tuple[str, str] | None:
    """The (short, long) description of the standard errors when they are not clustered/iid."""
    return None if sample.conley is None else (sample.conley.short(), sample.conley.describe())


def _wild_options(
    sample: Sample, inference: str, draws: int, seed: int | None
) -> tuple[int, int | None] | None:
    """``(draws, seed)`` of a wild cluster bootstrap, None for the analytic p-values; errors for options
    that do not apply."""
    check_option(inference, Inference, "inference", error=ModelError)
    if inference == "cluster":
        return None
    if len(sample.clusters) != 1:
        raise ModelError(
            "inference='wild' needs one-way clustering (cluster='unit', 'time' or a column); "
            f"cluster={sample.cluster!r} is " + ("two-way." if sample.clusters else "not clustered.")
        )
    check_int(draws, "draws", minimum=1, error=ModelError, hint=" (e.g. 999)")
    return int(draws), seed


@dataclass(frozen=True)
class _PyfixestFit:
    params: pd.Series
    cov: pd.DataFrame
    r2_within: float
    r2: float
    rss: float
    collinear: list[str]
    wild_pvalues: pd.Series | None


def _pyfixest(
    sample: Sample, y: str, x: list[str], wild: tuple[int, int | None] | None = None
) -> _PyfixestFit:
    """Estimate with pyfixest on safe column names: coefficients in the order of ``x``, the residual sum of
    squares, the regressors pyfixest dropped as collinear, and wild bootstrap p-values if asked."""

    safe = {name: f"v{i}" for i, name in enumerate([y, *x])}
    columns = {safe[c]: sample.column(c) for c in [y, *x]} | {"fe_unit": sample.unit, "fe_time": sample.time}
    columns |= {f"cl{i}": codes for i, (codes, _) in enumerate(sample.clusters)}
    # the sample's own arrays, not copies (copy=False here, copy_data=False below): the preparation adds
    # no pass over the data to pyfixest's own (issue #24: within 1.05x of pyfixest called directly)
    data = pd.DataFrame(columns, copy=False)
    fe = {"twoway": " | fe_unit + fe_time", "unit": " | fe_unit", "time": " | fe_time", "none": ""}
    fml = f"{safe[y]} ~ {' + '.join(safe[c] for c in x)}{fe[sample.fixed_effects]}"
    vcov = _pyfixest_vcov(sample)
    with warnings.catch_warnings():  # pyfixest's collinearity notes and pandas deprecations inside it
        warnings.simplefilter("ignore")
        fit = feols(fml, data=data, vcov=vcov, fixef_rm="none", copy_data=False, store_data=wild is not None)
    check_backend_rows(int(fit._N), sample.nobs, "pyfixest")
    back = {v: k for k, v in safe.items()} | {"Intercept": "const"}
    collinear = [back[v] for v in (getattr(fit, "_collin_vars", None) or [])]
    coef = pd.Series(np.asarray(fit._beta_hat), index=list(fit._coefnames))  # fit.coef() builds tidy()
    order = [safe[c] for c in x if c not in collinear] + (
        ["Intercept"] if sample.fixed_effects == "none" else []
    )
    pos = [list(coef.index).index(o) for o in order]
    names = [back[o] for o in order]
    params = pd.Series(coef.to_numpy()[pos], index=names, name="params")
    cov = pd.DataFrame(np.asarray(fit._vcov)[np.ix_(pos, pos)], index=names, columns=names)
    r2w = float(fit._r2_within) if sample.fixed_effects != "none" else float(fit._r2)
    rss = float(np.sum(np.asarray(fit._u_hat) ** 2))
    boot = None
    if wild is not None and not collinear:
        boot = pd.Series([_wild_p(fit, o, *wild) for o in order], index=names, name="pvalues")
    return _PyfixestFit(params, cov, r2w, float(fit._r2), rss, collinear, boot)


def _wild_p(fit: object, param: str, draws: int, seed: int | None) -> float:
    """Wild cluster bootstrap p-value of ``param = 0`` (pyfixest's ``Feols.wildboottest``, which runs the
    ``wildboottest`` package: WCR11, Rademacher weights, the null imposed, fixest's small-sample factors)."""
    with warnings.catch_warnings(), keep_root_logging():
        warnings.simplefilter("ignore")
        out = fit.wildboottest(reps=draws, param=param, seed=seed)  # type: ignore[attr-defined]
    return float(out["Pr(>|t|)"])


def _pyfixest_vcov(sample: Sample) -> str | dict[str, str]:
    if not sample.clusters:
        return "iid"
    return {"CRV1": "+".join(f"cl{i}" for i in range(len(sample.clusters)))}
