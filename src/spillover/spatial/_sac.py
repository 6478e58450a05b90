"""SAC (SARAR) and general nesting (GNS) panel models by exact concentrated maximum likelihood.

Model (Elhorst 2014, section 2.2; LeSage and Pace 2009, section 2.3), stacked period-major::

    y = rho (I_T kron W) y + X beta [+ (I_T kron W) X theta] + FE + u,    u = lambda (I_T kron M) u + e

``kind="sac"`` without, ``kind="gns"`` with the Durbin terms.  Filtering by ``B = I - lambda M`` leaves
unit effects unit effects, and time effects time effects when M is row-standardised (``B 1 = (1 - lambda)
1``), so the fixed effects are removed by the within transformation D of the spatially lagged data, as for
the SAR and SEM::

    e = (D y - lambda D M y) - rho (D W y - lambda D M W y) - (D X - lambda D M X) beta

beta and sigma2 are concentrated out (GLS for given rho, lambda from precomputed cross-products of the
columns [Dy, DWy, DMy, DMWy, DX, DMX], so each trial costs O(k^2)), and the concentrated likelihood::

    -n_eff/2 ln(e'e / n_eff) + m (ln|I - rho W| + ln|I - lambda M|)

is maximised over (rho, lambda) jointly: a grid (the two log-determinants are separable, so a G x G grid
costs 2G log-determinants), then Nelder-Mead from the best grid point.  ``m`` and ``n_eff`` are those of the
direct approach or of Lee and Yu's transformation (see :func:`spillover.spatial._likelihood.effective_sizes`).

Standard errors: inverse observed information of (beta, rho, lambda, sigma2); the quadratic part of the
log-likelihood is differenced numerically (it is a polynomial in the parameters evaluated from the
cross-products), the log-determinants' second derivatives ``-m tr((W (I - rho W)^-1)^2)`` (and the same in
M) are added analytically.

Identification (Kelejian and Prucha 1998; Lee 2007): with M = W the SAC is identified through X beta (W X
and W^2 X act as instruments); without explanatory power of X, rho and lambda can be exchanged without
changing the likelihood.  The estimator checks the exchange at the optimum: an indistinguishable likelihood
raises a ModelError, a likelihood-ratio difference below the 5 % chi2(1) value warns
(:class:`~spillover.errors.IdentificationWarning`).  The GNS is at best weakly identified (Elhorst 2014,
section 2.3: its parameters "blow up"; Gibbons and Overman 2012), and with M = W it always warns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import minimize

from spillover.errors import ConvergenceWarning, IdentificationWarning, ModelError, WeightsError
from spillover.options import warn
from spillover.spatial import _likelihood as lk
from spillover.spatial._checks import _check_regressors
from spillover.spatial._random_effects import inverse_information
from spillover.spatial.results import FitCore, SpatialPanelResults

__all__ = ["SACFit", "fit_sac"]

GRID = {"dense": 21, "sparse": 9}
"""Grid points per parameter before the simplex search."""


@dataclass(frozen=True)
class SACFit:
    """Estimates of the SAC/GNS on transformed data; ``cov`` over ``[beta, rho, lambda]``."""

    beta: np.ndarray
    rho: float
    lam: float
    sigma2: float
    sigma2_se: float
    loglik: float
    cov: np.ndarray
    resid: np.ndarray
    swapped_lr: float  # 2 (logL - logL with rho and lambda exchanged); NaN when M differs from W


class _Profile:
    """Cross-products of [Dy, DWy, DMy, DMWy, DX, DMX] and the concentrated GLS of beta."""

    def __init__(
        self, y: np.ndarray, wy: np.ndarray, my: np.ndarray, mwy: np.ndarray, x: np.ndarray, mx: np.ndarray
    ) -> None:
        self.k = x.shape[1]
        z = np.column_stack([y, wy, my, mwy, x, mx])
        self.z = z
        self.g = z.T @ z

    def coefs(self, rho: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
        """Coefficient vector c_y of y* and matrix C_x of X* on the columns of z."""
        k = self.k
        cy = np.zeros(4 + 2 * k)
        cy[:4] = [1.0, -rho, -lam, rho * lam]
        cx = np.zeros((4 + 2 * k, k))
        cx[4 : 4 + k] = np.eye(k)
        cx[4 + k :] = -lam * np.eye(k)
        return cy, cx

    def ssr(self, rho: float, lam: float, beta: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        cy, cx = self.coefs(rho, lam)
        gy, gx = self.g @ cy, self.g @ cx
        if beta is None:
            beta = np.linalg.solve(cx.T @ gx, cx.T @ gy)
        c = cy - cx @ beta
        return beta, float(c @ self.g @ c)

    def resid(self, rho: float, lam: float, beta: np.ndarray) -> np.ndarray:
        cy, cx = self.coefs(rho, lam)
        return self.z @ (cy - cx @ beta)


def fit_sac(
    prof: _Profile,
    op_w: lk.SpatialOperator,
    op_m: lk.SpatialOperator,
    n_eff: float,
    mult: float,
    drop_unit_root: bool,
    same_w: bool,
) -> SACFit:
    """Maximise the concentrated likelihood over (rho, lambda) and evaluate the observed information."""

    def jac_w(r: float) -> float:
        return lk.jacobian(op_w, r, mult, drop_unit_root)

    def jac_m(v: float) -> float:
        return lk.jacobian(op_m, v, mult, drop_unit_root)

    def conc(r: float, v: float, jw: float | None = None, jm: float | None = None) -> float:
        ssr = prof.ssr(r, v)[1]
        jw = jac_w(r) if jw is None else jw
        jm = jac_m(v) if jm is None else jm
        return -n_eff / 2 * np.log(ssr / n_eff) + jw + jm

    (rlo, rhi), (mlo, mhi) = op_w.bounds, op_m.bounds
    g = GRID[op_w.method]
    rg = np.linspace(rlo, rhi, g + 2)[1:-1]
    mg = np.linspace(mlo, mhi, g + 2)[1:-1]
    jw, jm = [jac_w(r) for r in rg], [jac_m(v) for v in mg]
    vals = np.array([[conc(r, v, a, b) for v, b in zip(mg, jm)] for r, a in zip(rg, jw)])
    i, j = np.unravel_index(int(np.nanargmax(vals)), vals.shape)

    def neg(p: np.ndarray) -> float:
        r, v = p
        if not (rlo < r < rhi and mlo < v < mhi):
            return np.inf
        return -conc(r, v)

    # fatol relative to |logL|: below ~1e-13 |logL| the criterion is rounding noise (the simplex never stops)
    res = minimize(
        neg,
        np.array([rg[i], mg[j]]),
        method="Nelder-Mead",
        options={
            "xatol": 1e-9,
            "fatol": 1e-12 * max(1.0, abs(vals[i, j])),
            "maxiter": 4000,
            "initial_simplex": _simplex(rg[i], mg[j], rhi - rlo, mhi - mlo, g),
        },
    )
    if not res.success:
        warn(f"the SAC search for (rho, lambda) did not converge: {res.message}", ConvergenceWarning)
    rho, lam = (float(v) for v in res.x)
    for name, val, lo, hi in (("rho", rho, rlo, rhi), ("lambda", lam, mlo, mhi)):
        if min(val - lo, hi - val) < 1e-4 * (hi - lo):
            raise ModelError(
                f"the maximum-likelihood estimate of {name} in the SAC is at the bound of its parameter "
                f"space ({lo:.4g}, {hi:.4g}): {name} = {val:.6f}. The model is not identified on these data; try a "
                "SAR, SEM or SDM."
            )
    beta, ssr = prof.ssr(rho, lam)
    sigma2 = ssr / n_eff
    loglik = -n_eff / 2 * (np.log(2 * np.pi * sigma2) + 1) + jac_w(rho) + jac_m(lam)
    swapped = float("nan")
    if same_w:
        other = -n_eff / 2 * (np.log(2 * np.pi * prof.ssr(lam, rho)[1] / n_eff) + 1) + jac_w(lam) + jac_m(rho)
        swapped = float(2 * (loglik - other))
    cov, s2_se = _covariance(prof, op_w, op_m, beta, rho, lam, sigma2, n_eff, mult, drop_unit_root)
    return SACFit(beta, rho, lam, sigma2, s2_se, float(loglik), cov, prof.resid(rho, lam, beta), swapped)


def _simplex(r: float, v: float, width_r: float, width_m: float, g: int) -> np.ndarray:
    step_r, step_m = width_r / (g + 1), width_m / (g + 1)
    return np.array([[r, v], [r + 0.5 * step_r, v], [r, v + 0.5 * step_m]])


def _covariance(
    prof: _Profile,
    op_w: lk.SpatialOperator,
    op_m: lk.SpatialOperator,
    beta: np.ndarray,
    rho: float,
    lam: float,
    sigma2: float,
    n_eff: float,
    mult: float,
    drop_unit_root: bool,
) -> tuple[np.ndarray, float]:
    """Inverse observed information of (beta, rho, lambda, sigma2): numerical in the quadratic part,
    analytic second derivatives of the log-determinants."""
    k = len(beta)

    def quad(p: np.ndarray) -> float:
        s2 = p[k + 2]
        if s2 <= 0:
            return -np.inf
        return -n_eff / 2 * np.log(2 * np.pi * s2) - prof.ssr(p[k], p[k + 1], p[:k])[1] / (2 * s2)

    point = np.r_[beta, rho, lam, sigma2]
    hess = lk.numerical_hessian(quad, point, positive=[k + 2])
    hess[k, k] -= mult * _tr_wt2(op_w, rho, drop_unit_root)
    hess[k + 1, k + 1] -= mult * _tr_wt2(op_m, lam, drop_unit_root)
    cov = inverse_information(hess, "SAC")
    bad = ~np.isfinite(np.diag(cov)) | (np.diag(cov) <= 0)
    if bad.any():
        raise ModelError(
            "the SAC information matrix is not positive definite at the estimates; rho and "
            "lambda are not identified separately on these data. Fit a SAR, SEM or SDM."
        )
    return cov[: k + 2, : k + 2], float(np.sqrt(cov[-1, -1]))


def _tr_wt2(op: lk.SpatialOperator, rho: float, drop_unit_root: bool) -> float:
    """``tr((W (I - rho W)^-1)^2)`` (minus ``1/(1 - rho)^2`` for the Lee-Yu time transformation):
    minus the second derivative of ``ln|I - rho W| [- ln(1 - rho)]``."""
    return lk.adjusted_traces(op, rho, drop_unit_root)[1]


def identification_check(fit: SACFit, kind: str) -> None:
    """Raise or warn when rho and lambda cannot be told apart (M = W)."""
    if not np.isfinite(fit.swapped_lr):
        return
    if kind == "gns":
        warn(
            "the general nesting model with M = W is at best weakly identified (Elhorst 2014, section 2.3): "
            f"exchanging rho ({fit.rho:.4f}) and lambda ({fit.lam:.4f}) changes 2 logL by only "
            f"{fit.swapped_lr:.3g}, and its estimates are typically insignificant or inflated. Report the "
            "SDM or SDEM it nests, or give a different M (m=).",
            IdentificationWarning,
        )
        return
    crit = float(stats.chi2.ppf(0.95, 1))
    if abs(fit.swapped_lr) < 1e-8:
        raise ModelError(
            "the SAC with M = W is not identified on these data: exchanging rho and lambda leaves the "
            "likelihood unchanged (X beta carries no information that tells the lag from the error process; "
            "Kelejian and Prucha 1998). Fit a SAR or SEM, or give a different M (m=)."
        )
    if fit.swapped_lr < crit:
        warn(
            f"the SAC with M = W is weakly identified: exchanging rho ({fit.rho:.4f}) and lambda "
            f"({fit.lam:.4f}) lowers 2 logL by only {fit.swapped_lr:.3g} (< {crit:.2f}, the 5% chi2(1) "
            "value), so the data cannot tell the spatial lag from the spatial error at 5%.",
            IdentificationWarning,
        )


# ---------------------------------------------------------------------------------------------- entry point
def estimate_sac(model: Any, d: Any, op: lk.SpatialOperator) -> Any:
    """Fit a :class:`~spillover.spatial.model.SpatialPanelModel` of kind ``"sac"`` or ``"gns"``."""
    fe, n = model.fixed_effects, d.n
    if fe == "random":
        raise ModelError(
            f"kind={model.kind!r} is fitted with fixed effects ('none', 'unit', 'time', "
            "'twoway'); random effects are available for the SAR, SEM, SDM and SDEM."
        )
    same = d.m is d.w or (d.m.shape == d.w.shape and abs(d.m - d.w).max() < 1e-14)
    op_m = op if same else lk.make_operator(d.m, model.method)
    if fe in ("time", "twoway") and not op_m.row_standardised:
        raise WeightsError(
            f"a {model.kind.upper()} with {fe} fixed effects needs a row-standardised M "
            "(m=) so that the time effects drop out of the filtered model; pass m.transform('r')."
        )

    def dm(v: np.ndarray) -> np.ndarray:
        return lk.demean(v, n, fe)

    xt = dm(d.x)
    _check_regressors(xt, d.x, d.names, fe)
    wy = lk.lag(d.w, d.y, n)
    prof = _Profile(
        dm(d.y), dm(wy), dm(lk.lag(d.m, d.y, n)), dm(lk.lag(d.m, wy, n)), xt, dm(lk.lag(d.m, d.x, n))
    )
    lee_yu = model.bias_correction == "lee-yu"
    n_eff, mult = lk.effective_sizes(n, d.t, fe, lee_yu)
    f = fit_sac(prof, op, op_m, n_eff, mult, lee_yu and fe in ("time", "twoway"), same)
    identification_check(f, model.kind)
    idx = [*d.names, "rho", "lambda"]
    fitted = dm(lk.solve_stacked(op, f.rho, d.x @ f.beta, d.t))
    yt = dm(d.y)
    r2 = float(np.corrcoef(yt, fitted)[0, 1] ** 2) if np.std(fitted) > 0 else float("nan")
    core = FitCore.of_model(model, d, op, f.resid, "rho")
    return SpatialPanelResults(
        params=pd.Series(np.r_[f.beta, f.rho, f.lam], index=idx, name="params"),
        cov=pd.DataFrame(f.cov, index=idx, columns=idx),
        sigma2=f.sigma2,
        sigma2_se=f.sigma2_se,
        loglik=f.loglik,
        r2=r2,
        n_regions=n,
        n_periods=d.t,
        nobs=n * d.t,
        kind=model.kind,
        fixed_effects=fe,
        bias_correction=model.bias_correction,
        y_name=model.y,
        x_names=d.x_names,
        durbin=d.durbin,
        _core=core,
    )
