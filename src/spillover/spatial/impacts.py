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

The indirect and total effects of an SDM, ``(beta_k + theta_k)/(1 - rho)`` with row-standardised W, have no
finite variance when rho's distribution reaches 1: a few draws with rho near 1 dominate the standard
deviation (R spatialreg's simulated standard errors show the same instability).  Beside the standard
deviation (``se``, with the normal ``t`` and ``p`` computed from it, kept for compatibility) the table
therefore reports what does not depend on those few draws: the 2.5 % and 97.5 % quantiles of the draws
(``lower``, ``upper``), a robust spread (``se_robust``: the interquartile range / 1.349, which equals the
standard deviation for normal draws) and the simulation p-value ``p_sim = 2 min(share < 0, share > 0)``.
A two-sided quantile interval of level 1 - a excludes 0 exactly when ``p_sim < a``; :func:`spillover.tables.
summary` puts its stars on the effects by ``p_sim``.
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
        ``estimate``, ``se`` (standard deviation of the draws), ``t``, ``p`` (two-sided, normal, from
        ``se``), then the robust summaries of the draws: ``lower`` and ``upper`` (2.5 % and 97.5 %
        quantiles), ``se_robust`` (interquartile range / 1.349) and ``p_sim`` (``2 min(share < 0,
        share > 0)``); all NaN without draws.  ``attrs["draws"]`` records the draws.

    """
    if draws < 0:
        raise ModelError(f"draws must be >= 0, got {draws}.")
    point = _effects(res, res.params.to_frame().T)
    sims = _effects(res, _parameter_draws(res, draws, seed)) if draws > 1 else None
    blank = np.full((2, len(res.x_names)), np.nan)
    frames = []
    for eff in EFFECTS:
        summ = _draw_summary(sims[eff] if sims is not None else blank, valid=sims is not None)
        est = point[eff][0]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(summ["se"] > 0, est / summ["se"], np.nan)
        frame = pd.DataFrame({"estimate": est, "se": summ["se"], "t": z, "p": 2 * stats.norm.sf(np.abs(z))})
        frame = frame.join(summ.drop(columns="se"))
        frame.index = pd.MultiIndex.from_product([[eff], res.x_names], names=["effect", "variable"])
        frames.append(frame)
    frame = pd.concat(frames)
    frame.attrs["draws"] = draws
    frame.attrs["seed"] = seed
    return frame


def _draw_summary(sims: np.ndarray, *, valid: bool = True) -> pd.DataFrame:
    """Per column of ``sims`` (draws x K): sd, 2.5/97.5 % quantiles, IQR/1.349 and the simulation p-value.

    >>> _draw_summary(np.array([[1.0], [2.0], [3.0], [-1.0]]))["p_sim"].tolist()  # 1 of 4 below 0: 2 * 1/4
    [0.5]
    """
    k = sims.shape[1]
    if not valid:
        return pd.DataFrame({c: np.full(k, np.nan) for c in ("se", "lower", "upper", "se_robust", "p_sim")})
    q = np.quantile(sims, [0.025, 0.25, 0.75, 0.975], axis=0)
    share = np.minimum((sims < 0).mean(axis=0), (sims > 0).mean(axis=0))
    return pd.DataFrame({"se": sims.std(axis=0, ddof=1), "lower": q[0], "upper": q[3],
                         "se_robust": (q[2] - q[1]) / _IQR_NORMAL, "p_sim": 2 * share})


#: interquartile range of the standard normal distribution (2 * 0.6745), so IQR / 1.349 estimates sigma
_IQR_NORMAL = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))


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
