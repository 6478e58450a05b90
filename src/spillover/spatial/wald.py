"""Wald and likelihood-ratio tests between fitted spatial panel models.

* ``wald_test(sdm, "sar")``: H0 theta = 0 (the SDM reduces to the SAR), Elhorst (2014, section 2.6).
* ``wald_test(sdm, "sem")``: H0 theta + rho beta = 0 (common-factor restriction, the SDM reduces to the SEM);
  the variance of ``g = theta + rho beta`` comes from the delta method with Jacobian
  ``[rho I | I | beta]`` with respect to (beta_d, theta, rho).
* ``lr_test(restricted, unrestricted)``: ``2 (logL_u - logL_r)`` with df the difference in the number of
  parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from spillover.errors import ModelError
from spillover.options import check_option
from spillover.spatial.testresult import TestResult

if TYPE_CHECKING:
    from spillover.spatial.results import SpatialPanelResults

__all__ = ["TestResult", "wald_test", "lr_test"]


def _require_sdm(res: SpatialPanelResults, restriction: str) -> None:
    if res.kind != "sdm":
        raise ModelError(
            f"wald_test({restriction!r}) tests restrictions of a spatial Durbin model; this model is "
            f"{res.kind!r}. Fit kind='sdm' and test it."
        )


def wald_test(res: SpatialPanelResults, restriction: str) -> TestResult:
    """Wald test of an SDM against the SAR (``"sar"``) or the SEM (``"sem"``)."""
    check_option(restriction, ("sar", "sem"), "restriction", error=ModelError)
    _require_sdm(res, restriction)
    thetas = [f"W*{d}" for d in res.durbin]
    theta = res.params[thetas].to_numpy()
    if restriction == "sar":
        g, v = theta, res.cov.loc[thetas, thetas].to_numpy()
        null, name = "theta = 0 (the SDM reduces to the SAR)", "Wald SDM vs SAR"
    else:
        rho = float(res.params["rho"])
        beta = res.params[res.durbin].to_numpy()
        g = theta + rho * beta
        cols = list(res.durbin) + thetas + ["rho"]
        k = len(theta)
        jac = np.hstack([rho * np.eye(k), np.eye(k), beta[:, None]])
        v = jac @ res.cov.loc[cols, cols].to_numpy() @ jac.T
        null, name = "theta + rho*beta = 0 (the SDM reduces to the SEM)", "Wald SDM vs SEM"
    stat = float(g @ np.linalg.solve(v, g))
    return TestResult(name, stat, len(g), float(stats.chi2.sf(stat, len(g))), null)


def lr_test(restricted: SpatialPanelResults, unrestricted: SpatialPanelResults) -> TestResult:
    """Likelihood-ratio test of a restricted against an unrestricted model fitted to the same data.

    Both models must use the same observations, fixed effects and bias correction (so that their
    likelihoods are comparable).
    """
    for attr in ("nobs", "fixed_effects", "bias_correction", "y_name"):
        if getattr(restricted, attr) != getattr(unrestricted, attr):
            raise ModelError(
                f"the two models differ in {attr} ({getattr(restricted, attr)!r} vs "
                f"{getattr(unrestricted, attr)!r}); a likelihood-ratio test needs the same data and "
                "transformation."
            )
    df = unrestricted.n_params - restricted.n_params
    if df <= 0:
        raise ModelError(
            f"the unrestricted model must have more parameters than the restricted one "
            f"({unrestricted.n_params} vs {restricted.n_params}); pass them in the order "
            "(restricted, unrestricted)."
        )
    stat = 2.0 * (unrestricted.loglik - restricted.loglik)
    null = f"the {restricted.kind.upper()} restrictions of the {unrestricted.kind.upper()} hold"
    return TestResult(
        f"LR {unrestricted.kind.upper()} vs {restricted.kind.upper()}",
        float(stat),
        df,
        float(stats.chi2.sf(max(stat, 0.0), df)),
        null,
    )
