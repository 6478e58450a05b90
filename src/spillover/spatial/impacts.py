"""Direct, indirect and total effects (LeSage and Pace 2009) with simulated inference.

For regressor k, ``S_k = (I - rho W)^-1 (beta_k I + theta_k W)``; the average direct effect is ``tr(S_k)/N``,
the average total effect ``1' S_k 1 / N`` and the indirect effect their difference.  With
``A = (I - rho W)^-1``: ``direct = beta_k tr(A)/N + theta_k tr(AW)/N`` and
``total = beta_k 1'A1/N + theta_k 1'AW1/N`` (``= (beta_k + theta_k)/(1 - rho)`` for row-standardised W).
The four scalars come from the eigenvalues of W (small N, exact) or from power series of traces of W^j
(large N; see :mod:`spillover.spatial._likelihood`).

Unlike spreg 1.9.0, the direct effect includes theta_k's contribution ``theta_k tr(AW)/N`` (spreg counts all
SLX terms as indirect) and standard errors are given.  Inference draws ``(beta, theta, rho)`` from their
estimated asymptotic normal distribution (draws of rho outside its parameter space are redrawn) and reports
the standard deviation of the simulated effects; the point estimate is the effect at the ML estimates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from spillover.errors import ModelError, format_items

if TYPE_CHECKING:
    from spillover.spatial.results import SpatialPanelResults

__all__ = ["impacts", "effects_matrix", "EFFECTS"]

EFFECTS = ("direct", "indirect", "total")


def _coefficients(res: SpatialPanelResults, var: str) -> tuple[str, str | None]:
    if var not in res.x_names:
        raise ModelError(
            f"{var!r} is not a regressor of this model; its regressors are {format_items(res.x_names)}."
        )
    return var, (f"W*{var}" if var in res.durbin else None)


def _parameter_draws(res: SpatialPanelResults, draws: int, seed: int) -> pd.DataFrame:
    """Draws of (beta, theta, rho) from N(estimate, cov); rho kept inside its parameter space."""
    rng = np.random.default_rng(seed)
    mean = res.params.to_numpy()
    cov = res.cov.to_numpy()
    lo, hi = res._core.op.bounds
    out = rng.multivariate_normal(mean, cov, size=draws, method="eigh")
    if res.rho is not None:
        j = list(res.params.index).index("rho")
        for _ in range(100):
            bad = (out[:, j] <= lo) | (out[:, j] >= hi)
            if not bad.any():
                break
            out[bad] = rng.multivariate_normal(mean, cov, size=int(bad.sum()), method="eigh")
    return pd.DataFrame(out, columns=res.params.index)


def _effects(res: SpatialPanelResults, params: pd.DataFrame) -> dict[str, np.ndarray]:
    """Direct/indirect/total (each draws x K) for the parameter rows in ``params``."""
    rho = params["rho"].to_numpy() if "rho" in params.columns else np.zeros(len(params))
    mom = res._core.op.resolvent_moments(rho)  # tr(A)/N, tr(AW)/N, 1'A1/N, 1'AW1/N
    direct, total = [], []
    for var in res.x_names:
        b, th = _coefficients(res, var)
        beta = params[b].to_numpy()
        theta = params[th].to_numpy() if th else np.zeros(len(params))
        direct.append(beta * mom[:, 0] + theta * mom[:, 1])
        total.append(beta * mom[:, 2] + theta * mom[:, 3])
    d, t = np.column_stack(direct), np.column_stack(total)
    return {"direct": d, "indirect": t - d, "total": t}


def impacts(res: SpatialPanelResults, draws: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Average direct, indirect and total effects of every regressor with simulated standard errors.

    Parameters
    ----------
    res
        A fitted :class:`~spillover.spatial.results.SpatialPanelResults`.
    draws
        Number of parameter draws for the standard errors (0: point estimates only, se NaN).
    seed
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    pandas.DataFrame
        Indexed by (effect, variable) with effect in ``direct``, ``indirect``, ``total``; columns
        ``estimate``, ``se``, ``t``, ``p`` (two-sided, normal).  ``attrs["draws"]`` records the draws.
    """
    if draws < 0:
        raise ModelError(f"draws must be >= 0, got {draws}.")
    point = _effects(res, res.params.to_frame().T)
    sims = _effects(res, _parameter_draws(res, draws, seed)) if draws > 1 else None
    rows = []
    for eff in EFFECTS:
        se = sims[eff].std(axis=0, ddof=1) if sims is not None else np.full(len(res.x_names), np.nan)
        for k, var in enumerate(res.x_names):
            est = float(point[eff][0, k])
            z = est / se[k] if se[k] > 0 else np.nan
            rows.append((eff, var, est, float(se[k]), z, float(2 * stats.norm.sf(abs(z)))))
    frame = pd.DataFrame(rows, columns=["effect", "variable", "estimate", "se", "t", "p"])
    frame = frame.set_index(["effect", "variable"])
    frame.attrs["draws"] = draws
    frame.attrs["seed"] = seed
    return frame


def effects_matrix(res: SpatialPanelResults, var: str, max_n: int = 5000) -> pd.DataFrame:
    """The N x N effects matrix ``S_k`` of one regressor (row i: effect on region i of a change in each j).

    Column sums are the total effects emitted by a region, row sums those received by it.  Dense, so refused
    above ``max_n`` regions.
    """
    b, th = _coefficients(res, var)
    op = res._core.op
    if op.n > max_n:
        raise ModelError(
            f"the effects matrix of {op.n} regions would be a dense {op.n} x {op.n} matrix "
            f"({op.n**2 * 8 / 1e9:.1f} GB); it is refused above max_n={max_n}. Use res.impacts() for "
            "averages, or raise max_n if you have the memory."
        )
    w = op.w.toarray()
    beta = float(res.params[b])
    theta = float(res.params[th]) if th else 0.0
    rho = res.rho or 0.0
    s = np.linalg.solve(np.eye(op.n) - rho * w, beta * np.eye(op.n) + theta * w)
    ids = res._core.ids
    return pd.DataFrame(s, index=ids, columns=ids)
