"""Random-effects spatial lag (SAR) and spatial error (SEM) panel models by exact maximum likelihood.

One implementation, used by :class:`spillover.spatial.SpatialPanelModel` (``fixed_effects="random"``) and by
:func:`spillover.spatial.hausman`.  Model (Elhorst 2014, section 3.4.2), stacked period-major::

    SAR:  y = rho (I_T kron W) y + X beta + (1_T kron I_N) mu + e
    SEM:  y = X beta + (1_T kron I_N) mu + u,   u = lambda (I_T kron W) u + e

with ``mu ~ N(0, sigma2_mu I)``, ``e ~ N(0, sigma2 I)`` and ``phi = sigma2_mu / sigma2`` (splm's phi).
X holds a constant; for the SDM and SDEM it also holds the Durbin terms WX (the likelihood is unchanged).

Estimation concentrates beta (GLS) and sigma2 out of the likelihood and maximises the profile over the
spatial parameter with the same grid + Brent search as the fixed-effects models; for each trial value the
variance ratio is profiled out too, which is cheap because it only enters through the split of the
cross-products into within (``v_it - mean_t v_i``) and between (``mean_t v_i``) parts:

* SAR: with ``theta^2 = 1 / (1 + T phi)`` (spreg's phi), the quasi-demeaned data
  ``v* = v - (1 - theta) mean_t(v)`` have cross-products ``M_within + theta^2 M_between``, and
  ``logL = -NT/2 log(2 pi sigma2) + T ln|I - rho W| + N ln(theta) - e*'e* / (2 sigma2)``.
  ``ln|I - rho W|`` comes from the model's :class:`~spillover.spatial._likelihood.SpatialOperator` (dense
  eigenvalues or sparse LU), so the RE SAR scales like the fixed-effects SAR.
* SEM: with ``B = I - lambda W`` and ``B'B = Q S Q'`` (one dense eigen-decomposition per trial lambda),
  ``Omega^-1 sigma2 = (J_T/T) kron B'B (I + T phi B'B)^-1 + (I_T - J_T/T) kron B'B`` and
  ``logL = -NT/2 log(2 pi sigma2) - 1/2 sum ln(1 + T phi s_i) + T ln|B| - e' Omega^-1 e / 2``.
  Dense N x N algebra: refused above :data:`SEM_MAX_N` regions.

Why not spreg: spreg 1.9.0's ``ML_LagRE`` alternates one-dimensional searches in phi and rho until phi
changes by less than 1e-7 (not the joint optimum: splm's phi 21.3175 is reproduced only to ~1e-4), searches
rho in (-1, 1) whatever W is, and forms dense N x N inverses; its analytic information matrix gives rho a
standard error of 0.0182 on the US states where splm and the observed information give 0.0291.  spreg's
``ML_ErrorRE`` diagonalises W as if it were symmetric (wrong for a row-standardised W: on the US states its
log-likelihood is 1.5 below the exact value at its own estimate) and stops short of the optimum.  The tests
check the SAR against splm's published estimates and against spreg's estimates, and both likelihoods against
a dense multivariate-normal density.

Covariances are the inverse observed information (numerical Hessian of the full log-likelihood in
``[beta, spatial parameter, theta or phi, sigma2]``; for the SAR the log-determinant's second derivative
``-T tr((W (I - rho W)^-1)^2)`` is added analytically, so no log-determinant is differenced).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import minimize_scalar

from spillover.errors import ModelError
from spillover.spatial import _likelihood as lk

__all__ = ["REFit", "fit_random_effects", "SEM_MAX_N"]

SEM_MAX_N = 1000
"""Largest number of regions for the random-effects SEM (dense N x N eigen-decompositions per lambda)."""

# Smallest theta (SAR) / largest T*phi searched: sigma2_mu up to 1e8 times sigma2.
_THETA_MIN = 1e-4


@dataclass(frozen=True)
class REFit:
    """Random-effects ML estimates; ``cov`` is over ``[beta (constant first), spatial, phi, sigma2]``."""

    kind: Literal["sar", "sem"]
    beta: np.ndarray
    spatial: float
    phi: float
    sigma2: float
    loglik: float
    cov: np.ndarray
    theta: float  # 1 / sqrt(1 + T phi): spreg's phi, the SAR's quasi-demeaning weight
    resid: np.ndarray


# ---------------------------------------------------------------------------------------------- helpers
def _within_between(z: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit-demeaned stacked columns (NT x m) and unit means (N x m) of a period-major array."""
    cube = z.reshape(-1, n, z.shape[1])
    means = cube.mean(axis=0)
    return (cube - means).reshape(z.shape), means


def _argmax_1d(func: Callable[[float], float], lo: float, hi: float, grid_points: int = 41) -> float:
    """Maximise a cheap scalar function on [lo, hi] (a grid, then Brent around the best point)."""
    grid = np.linspace(lo, hi, grid_points)
    values = [func(v) for v in grid]
    best = int(np.argmax(values))
    left, right = grid[max(best - 1, 0)], grid[min(best + 1, grid_points - 1)]
    res = minimize_scalar(
        lambda v: -func(v), bounds=(left, right), method="bounded", options={"xatol": 1e-12, "maxiter": 500}
    )
    return float(res.x) if -res.fun >= values[best] else float(grid[best])


def inverse_information(hessian: np.ndarray, label: str) -> np.ndarray:
    """``(-H)^-1``, with a ModelError naming the model when it is singular."""
    try:
        return np.linalg.inv(-hessian)
    except np.linalg.LinAlgError as exc:
        raise ModelError(
            f"the {label} information matrix is singular ({exc}); check x for collinear variables."
        ) from exc


# ---------------------------------------------------------------------------------------------- SAR
def re_sar_loglik(
    params: np.ndarray, y: np.ndarray, x: np.ndarray, wy: np.ndarray, eig: np.ndarray | None, n: int, t: int
) -> float:
    """Log-likelihood of the random-effects SAR (Elhorst 2014, section 3.4.2).

    ``params = [beta (with constant), rho, theta, sigma2]``, theta^2 = sigma2 / (T sigma2_mu + sigma2);
    the data are quasi-demeaned, v* = v_it - (1 - theta) mean_t(v_i):
    logL = -NT/2 log(2 pi sigma2) + T sum log(1 - rho omega) + N log(theta) - e*'e* / (2 sigma2).
    ``eig`` are the eigenvalues omega of W; ``None`` leaves out the log-determinant term.
    """
    k = x.shape[1]
    beta, rho, theta, sigma2 = params[:k], params[k], params[k + 1], params[k + 2]
    if sigma2 <= 0 or theta <= 0:
        return -np.inf

    def quasi(v: np.ndarray) -> np.ndarray:
        cube = v.reshape(t, n, -1)
        return (cube - (1.0 - theta) * cube.mean(axis=0, keepdims=True)).reshape(n * t, -1)

    resid = quasi(y - rho * wy)[:, 0] - quasi(x) @ beta
    logdet = 0.0 if eig is None else float(np.sum(np.log(1.0 - rho * eig)).real)
    return (
        -0.5 * n * t * np.log(2.0 * np.pi * sigma2)
        + t * logdet
        + n * np.log(theta)
        - float(resid @ resid) / (2.0 * sigma2)
    )


def _sar_profile(y: np.ndarray, wy: np.ndarray, x: np.ndarray, n: int, t: int) -> Callable:
    """``(rho, theta) -> (beta, ssr)`` from within and between cross-products of [y, Wy, X]."""
    z = np.column_stack([y, wy, x])
    zw, zb = _within_between(z, n)
    m_within, m_between = zw.T @ zw, t * zb.T @ zb

    def parts(rho: float, theta: float) -> tuple[np.ndarray, float]:
        m = m_within + theta * theta * m_between
        rhs = m[2:, 0] - rho * m[2:, 1]
        beta = np.linalg.solve(m[2:, 2:], rhs)
        c = np.r_[1.0, -rho, -beta]
        return beta, float(c @ m @ c)

    return parts


def _fit_sar(y: np.ndarray, x: np.ndarray, op: lk.SpatialOperator, t: int) -> REFit:
    n = op.n
    nt = n * t
    wy = lk.lag(op.w, y, n)
    parts = _sar_profile(y, wy, x, n, t)

    def theta_profile(rho: float, theta: float) -> float:
        return -0.5 * nt * np.log(parts(rho, theta)[1]) + n * np.log(theta)

    def best_theta(rho: float) -> float:
        return _argmax_1d(lambda th: theta_profile(rho, th), _THETA_MIN, 1.0)

    def conc(rho: float) -> float:
        return theta_profile(rho, best_theta(rho)) + t * op.logdet(rho)

    rho = lk.maximise(conc, op.bounds, "rho", lk.GRID_POINTS[op.method], op)
    theta = best_theta(rho)
    beta, _ = parts(rho, theta)
    return sar_at(y, x, op, t, beta, rho, theta)


def sar_at(
    y: np.ndarray, x: np.ndarray, op: lk.SpatialOperator, t: int, beta: np.ndarray, rho: float, theta: float
) -> REFit:
    """The random-effects SAR evaluated at given ``(beta, rho, theta)``: sigma2 (concentrated), the
    log-likelihood and the inverse observed information.  Used after the own search and for estimates
    taken from another estimator (spreg's ``ML_LagRE``, whose ``phi`` is this theta)."""
    n = op.n
    nt = n * t
    wy = lk.lag(op.w, y, n)
    cube = (y - rho * wy - x @ beta).reshape(t, n)
    quasi = cube - (1.0 - theta) * cube.mean(axis=0, keepdims=True)
    sigma2 = float(np.sum(quasi * quasi)) / nt
    loglik = -0.5 * nt * (np.log(2.0 * np.pi * sigma2) + 1.0) + n * np.log(theta) + t * op.logdet(rho)
    point = np.r_[beta, rho, theta, sigma2]
    k = len(beta)
    extra = np.zeros((k + 3, k + 3))
    extra[k, k] = -t * op.traces(rho)[1]  # d2/drho2 of T ln|I - rho W| = -T tr(Wt Wt)
    cov = _covariance(
        lambda p: re_sar_loglik(p, y[:, None], x, wy[:, None], None, n, t),
        point,
        extra,
        on_bound=theta > 1.0 - 1e-9,
        label="random-effects SAR",
    )
    # reparameterise theta -> phi = (1/theta^2 - 1)/T (delta method): dphi/dtheta = -2 / (T theta^3)
    dphi = -2.0 / (t * theta**3)
    cov[k + 1, :] *= dphi
    cov[:, k + 1] *= dphi
    phi = (1.0 / theta**2 - 1.0) / t
    resid = y - rho * wy - x @ beta
    return REFit("sar", beta, rho, float(phi), float(sigma2), float(loglik), cov, float(theta), resid)


# ---------------------------------------------------------------------------------------------- SEM
def _re_sem_parts(lam: float, phi: float, wdense: np.ndarray, t: int) -> tuple[np.ndarray, ...]:
    """B'B, V^-1 = (I + T phi B'B)^-1 B'B and the log-determinants of A = I + T phi B'B and B = I - lam W."""
    n = wdense.shape[0]
    b = np.eye(n) - lam * wdense
    bb = b.T @ b
    a = np.eye(n) + t * phi * bb
    return bb, np.linalg.solve(a, bb), np.linalg.slogdet(a)[1], np.linalg.slogdet(b)[1]


def _re_sem_quad(u: np.ndarray, v: np.ndarray, bb: np.ndarray, v_inv: np.ndarray) -> np.ndarray:
    """u' Omega^-1 v / sigma2 for period-major cubes u (T, N, m) and v (T, N, p).

    Omega / sigma2 = (J_T / T) kron V + (I_T - J_T / T) kron (B'B)^-1 with V = T phi I + (B'B)^-1.
    """
    t = u.shape[0]
    ub, vb = u.mean(axis=0), v.mean(axis=0)
    between = t * ub.T @ v_inv @ vb
    within = np.einsum("tim,tin->mn", u - ub, bb @ (v - vb))
    return between + within


def re_sem_loglik(params: np.ndarray, y: np.ndarray, x: np.ndarray, wdense: np.ndarray) -> float:
    """Exact log-likelihood of the random-effects spatial error model (Elhorst 2014, section 3.4.2).

    ``params = [beta (with constant), lambda, phi, sigma2]``, phi = sigma2_mu / sigma2; ``y`` (T, N, 1)
    and ``x`` (T, N, k) cubes; B = I - lambda W:
    logL = -NT/2 log(2 pi sigma2) - 1/2 log|I + T phi B'B| + T log|B| - e' (Omega/sigma2)^-1 e / (2 sigma2).
    """
    t, n, k = x.shape
    beta, lam, phi, sigma2 = params[:k], params[k], params[k + 1], params[k + 2]
    if sigma2 <= 0 or phi < 0:
        return -np.inf
    bb, v_inv, logdet_a, logdet_b = _re_sem_parts(float(lam), float(phi), wdense, t)
    e = y - x @ beta[:, None]
    quad = float(_re_sem_quad(e, e, bb, v_inv)[0, 0])
    return -0.5 * n * t * np.log(2.0 * np.pi * sigma2) - 0.5 * logdet_a + t * logdet_b - quad / (2.0 * sigma2)


def _sem_given_lambda(lam: float, z: np.ndarray, op: lk.SpatialOperator, t: int) -> Callable:
    """``phi -> (beta, ssr, -1/2 ln|I + T phi B'B|)`` for fixed lambda (one eigen-decomposition of B'B)."""
    n = op.n
    zw, zb = _within_between(z, n)
    bz = zw - lam * lk.lag(op.w, zw, n)  # (I_T kron B) applied to the within part
    m_within = bz.T @ bz
    b = np.eye(n) - lam * op.w.toarray()
    s, q = np.linalg.eigh(b.T @ b)
    s = np.clip(s, 0.0, None)
    rot = q.T @ zb

    def parts(phi: float) -> tuple[np.ndarray, float, float]:
        g = s / (1.0 + t * phi * s)
        m = m_within + t * rot.T @ (g[:, None] * rot)
        beta = np.linalg.solve(m[1:, 1:], m[1:, 0])
        return beta, float(m[0, 0] - m[0, 1:] @ beta), -0.5 * float(np.sum(np.log1p(t * phi * s)))

    return parts


def _phi_of(u: float, t: int) -> float:
    """Search variable u = 1/sqrt(1 + T phi) in (0, 1] -> phi (u = 1: no random effect)."""
    return (1.0 / (u * u) - 1.0) / t


def _fit_sem(y: np.ndarray, x: np.ndarray, op: lk.SpatialOperator, t: int) -> REFit:
    n = op.n
    if n > SEM_MAX_N:
        raise ModelError(
            f"the random-effects spatial error model needs dense {n} x {n} algebra per trial lambda and is "
            f"limited to {SEM_MAX_N} regions; use fixed_effects='unit' (sparse) or kind='sar' with random "
            "effects."
        )
    nt = n * t
    z = np.column_stack([y, x])

    def profile(lam: float) -> tuple[float, float]:
        parts = _sem_given_lambda(lam, z, op, t)

        def value(u: float) -> float:
            _, ssr, half_logdet = parts(_phi_of(u, t))
            return -0.5 * nt * np.log(ssr) + half_logdet

        u = _argmax_1d(value, _THETA_MIN, 1.0)
        return value(u) + t * op.logdet(lam), _phi_of(u, t)

    lam = lk.maximise(lambda v: profile(v)[0], op.bounds, "lambda", lk.GRID_POINTS[op.method], op)
    phi = profile(lam)[1]
    beta, ssr, half_logdet = _sem_given_lambda(lam, z, op, t)(phi)
    sigma2 = ssr / nt
    loglik = -0.5 * nt * (np.log(2.0 * np.pi * sigma2) + 1.0) + half_logdet + t * op.logdet(lam)
    point = np.r_[beta, lam, phi, sigma2]
    cov = _sem_covariance(point, y, x, op, t)
    return REFit(
        "sem",
        beta,
        lam,
        float(phi),
        float(sigma2),
        float(loglik),
        cov,
        float(1.0 / np.sqrt(1.0 + t * phi)),
        y - x @ beta,
    )


def _sem_covariance(
    point: np.ndarray, y: np.ndarray, x: np.ndarray, op: lk.SpatialOperator, t: int
) -> np.ndarray:
    """Inverse observed information of ``[beta, lambda, phi, sigma2]``."""
    n, k = op.n, x.shape[1]
    wdense = op.w.toarray()
    yc, xc = y.reshape(t, n, 1), x.reshape(t, n, k)
    return _covariance(
        lambda p: re_sem_loglik(p, yc, xc, wdense),
        point,
        np.zeros((k + 3, k + 3)),
        on_bound=point[k + 1] < 1e-9,
        label="random-effects SEM",
    )


def _covariance(
    loglik: Callable[[np.ndarray], float],
    point: np.ndarray,
    extra_hessian: np.ndarray,
    on_bound: bool,
    label: str,
) -> np.ndarray:
    """Inverse observed information at ``point`` (variance ratio second to last).

    When the variance ratio is on its bound (phi = 0) it is held there: the other parameters' covariance is
    conditional on it and its own row and column are NaN (a standard error at a bound is not meaningful).
    """
    free = np.ones(len(point), dtype=bool)
    free[-2] = not on_bound

    def restricted(p: np.ndarray) -> float:
        full = point.copy()
        full[free] = p
        return loglik(full)

    # theta / phi and sigma2 (the last two, the ratio only when free) are variance-type parameters
    positive = [int(free.sum()) - 1, int(free.sum()) - 2] if free[-2] else [int(free.sum()) - 1]
    hess = lk.numerical_hessian(restricted, point[free], positive) + extra_hessian[np.ix_(free, free)]
    cov = np.full((len(point), len(point)), np.nan)
    cov[np.ix_(free, free)] = inverse_information(hess, label)
    return cov


# ---------------------------------------------------------------------------------------------- entry point
def fit_random_effects(
    y: np.ndarray, x: np.ndarray, op: lk.SpatialOperator, t: int, kind: Literal["sar", "sem"]
) -> REFit:
    """Exact ML of the random-effects SAR or SEM.

    Parameters
    ----------
    y
        Dependent variable stacked period-major (length N*T).
    x
        Regressors stacked period-major, a constant column first (N*T x k).
    op
        The spatial operator of W (see :func:`spillover.spatial._likelihood.make_operator`).
    t
        Number of periods.
    kind
        ``"sar"`` or ``"sem"``.
    """
    if t < 2:
        raise ModelError(f"random effects need at least 2 periods; the panel has {t}.")
    return _fit_sar(y, x, op, t) if kind == "sar" else _fit_sem(y, x, op, t)
