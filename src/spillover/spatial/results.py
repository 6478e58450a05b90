"""Immutable result of a fitted spatial panel model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.errors import ModelError
from spillover.options import ResampleBackend
from spillover.spatial import _interactions
from spillover.spatial import impacts as _impacts
from spillover.spatial._likelihood import lag
from spillover.spatial._summary import paper_summary
from spillover.spatial.wald import TestResult
from spillover.spatial.wald import wald_test as _wald_test
from spillover.summary import SeStyle, Summary, coefficient_frame, conf_int, std_errors

if TYPE_CHECKING:
    from spillover.spatial._likelihood import SpatialOperator

__all__ = ["SpatialPanelResults", "FitCore"]


@dataclass(frozen=True)
class FitCore:
    """What impacts and fixed-effects estimates need from the fit (not part of the public surface)."""

    op: SpatialOperator
    y: np.ndarray
    x: np.ndarray
    names: list[str]
    ids: pd.Index
    periods: pd.Index
    resid: np.ndarray
    spatial: str | None
    geometry: Any = None  # the regions' GeoDataFrame (for maps), when the model had a panel

    @classmethod
    def of_model(
        cls, model: Any, design: Any, op: SpatialOperator, resid: np.ndarray, spatial: str | None
    ) -> FitCore:
        """The core of a model fitted on its own design (``y``, ``x``, ``names``): the panel's regions,
        periods and geometry."""
        panel = model.panel
        return cls(
            op=op,
            y=design.y,
            x=design.x,
            names=design.names,
            ids=panel.ids,
            periods=panel.periods,
            resid=resid,
            spatial=spatial,
            geometry=panel.geometry,
        )


@dataclass(frozen=True)
class SpatialPanelResults(ReadOnly):
    """Result of :meth:`SpatialPanelModel.fit` (read-only).

    Attributes
    ----------
    params
        Coefficients of X (``"const"`` first without fixed effects and with random effects; ``"W*x"`` for
        the Durbin terms) and the spatial parameter (``"rho"`` for lag models, ``"lambda"`` for error
        models).
    cov
        Their asymptotic covariance matrix: the inverse expected (analytic) information matrix for the SAR,
        SEM, SDM, SDEM and SLX with fixed or no effects (Elhorst 2014, ch. 3) and for dynamic panels (Yu, de
        Jong and Lee 2008, with the kurtosis term); the inverse observed information (numerical Hessian of
        the log-likelihood, :func:`spillover.spatial._likelihood.numerical_hessian`) with random effects
        and for the SAC and GNS.  See docs/validation.md.
    sigma2, sigma2_se
        ML error variance (divisor: the effective number of observations) and its standard error.
    loglik
        Maximised log-likelihood (of the transformed model under fixed effects; the full likelihood with
        random effects).
    r2
        Squared correlation between the (within-transformed) dependent variable and its fitted values (the
        reduced form ``(I - rho W)^-1 X beta`` for lag models), as xsmle's within R-squared; with random
        effects, of the untransformed y and the fitted values including the constant.
    phi, phi_se
        Random effects only (else None): ``phi = sigma2_mu / sigma2``, the variance ratio R splm reports
        as ``phi``, and its standard error (observed information; NaN when phi is on its bound 0).
    """

    params: pd.Series
    cov: pd.DataFrame
    sigma2: float
    sigma2_se: float
    loglik: float
    r2: float
    n_regions: int
    n_periods: int
    nobs: int
    kind: str
    fixed_effects: str
    bias_correction: str
    y_name: str
    x_names: list[str]
    durbin: list[str]
    _core: FitCore = field(repr=False, compare=False)
    phi: float | None = None
    phi_se: float | None = None
    _moderators: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ inference
    @property
    def std_errors(self) -> pd.Series:
        """Asymptotic standard errors."""
        return std_errors(self.params, self.cov)

    @property
    def zstats(self) -> pd.Series:
        """z statistics (estimate / standard error)."""
        return (self.params / self.std_errors).rename("zstats")

    @property
    def tstats(self) -> pd.Series:
        """Alias of :attr:`zstats` (asymptotic, normal reference)."""
        return self.zstats.rename("tstats")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from the normal distribution."""
        return pd.Series(2 * stats.norm.sf(np.abs(self.zstats)), index=self.params.index, name="pvalues")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Normal confidence intervals."""
        return conf_int(self.params, self.std_errors, stats.norm.ppf(0.5 + level / 2))

    # ------------------------------------------------------------------ spatial parameter
    def _spatial(self, name: str, values: pd.Series) -> float | None:
        """``values[name]`` when the model has the spatial parameter ``name``, else None."""
        return float(values[name]) if name in self.params.index else None

    @property
    def rho(self) -> float | None:
        """Spatial lag parameter (SAR/SDM), else None."""
        return self._spatial("rho", self.params)

    @property
    def rho_se(self) -> float | None:
        """Standard error of rho."""
        return self._spatial("rho", self.std_errors)

    @property
    def logdet_error(self) -> float:
        """Error bound of the log-determinant ``ln|I - rho W|`` at the estimate: 0 when it is exact
        (``logdet="exact"``, eigenvalues or sparse LU), else three Monte-Carlo standard errors of the
        approximation (plus the Chebyshev truncation bound) -- see ``logdet=`` of the model."""
        op = self._core.op
        value = self.rho if self.rho is not None else self.lam
        return 0.0 if value is None else op.logdet_error(value)

    @property
    def lam(self) -> float | None:
        """Spatial error parameter lambda (SEM/SDEM), else None."""
        return self._spatial("lambda", self.params)

    @property
    def lam_se(self) -> float | None:
        """Standard error of lambda."""
        return self._spatial("lambda", self.std_errors)

    # ------------------------------------------------------------------ fit statistics
    @property
    def n_params(self) -> int:
        """Number of estimated parameters, sigma2 (and phi) included (fixed effects excluded, as xsmle)."""
        return len(self.params) + 1 + (self.phi is not None)

    @property
    def aic(self) -> float:
        """Akaike information criterion ``-2 logL + 2k``."""
        return -2 * self.loglik + 2 * self.n_params

    @property
    def bic(self) -> float:
        """Schwarz criterion ``-2 logL + k ln(NT)``."""
        return -2 * self.loglik + self.n_params * np.log(self.nobs)

    # ------------------------------------------------------------------ derived quantities
    def impacts(
        self,
        draws: int = 1000,
        seed: int = 0,
        *,
        at: dict[str, Any] | None = None,
        backend: ResampleBackend = "serial",
        n_jobs: int | None = None,
        client: Any = None,
    ) -> pd.DataFrame:
        """LeSage-Pace direct, indirect and total effects with simulated standard errors.

        See :func:`spillover.spatial.impacts.impacts`.  With interaction terms (``"x:z"``) the effects of
        the main variables at ``at={"z": value}`` (a number, a list or ``"quantiles"``; default: the mean
        of z), see :mod:`spillover.spatial._interactions`.  ``backend``, ``n_jobs``, ``client``: where the
        draws run (identical results on every backend).
        """
        par = {"backend": backend, "n_jobs": n_jobs, "client": client}
        if at is not None or _interactions.has_interactions(self):
            return _interactions.impacts_at(self, at, lambda r: r.impacts(draws=draws, seed=seed, **par))
        return _impacts.impacts(self, draws=draws, seed=seed, **par)

    def effects_matrix(self, var: str, max_n: int = 5000) -> pd.DataFrame:
        """The N x N matrix ``S_k = (I - rho W)^-1 (beta_k I + theta_k W)`` for regressor ``var``."""
        return _impacts.effects_matrix(self, var, max_n=max_n)

    def spillovers(
        self,
        x: str,
        *,
        draws: int | None = None,
        level: float = 0.95,
        seed: int = 0,
        backend: ResampleBackend = "serial",
        n_jobs: int | None = None,
        client: Any = None,
    ) -> pd.DataFrame:
        """Per-region direct effect and spillovers emitted/received of regressor ``x`` (columns of ``S_k``).

        See :func:`spillover.spatial.impacts.spillovers`; drawn by :func:`spillover.maps.spillover_map`.
        """
        return _impacts.spillovers(
            self, x, draws=draws, level=level, seed=seed, backend=backend, n_jobs=n_jobs, client=client
        )

    def residual_moran(self) -> pd.DataFrame:
        """Moran's I of the model's residuals in every period, with its normal-approximation z and p.

        The residuals are the model's innovations on the transformed data (after the fixed-effects
        transformation; for error models and the SAC the spatially filtered ones), so that remaining spatial
        dependence shows as a significant I.  Moments are esda's for a variable with W as given (not
        the Cliff-Ord moments of OLS residuals, which do not apply to ML residuals of a spatial model).

        Returns
        -------
        pandas.DataFrame
            Indexed by period: ``I``, ``E[I]``, ``z_norm``, ``p_norm`` (two-sided).
        """
        import warnings

        from esda import Moran
        from libpysal.weights import W

        core = self._core
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = W.from_sparse(core.op.w.tocsr())
        resid = np.asarray(core.resid).reshape(self.n_periods, self.n_regions)
        rows = []
        for e in resid:
            m = Moran(e, w, transformation="O", permutations=0)
            rows.append((m.I, m.EI, m.z_norm, 2 * stats.norm.sf(abs(m.z_norm))))
        return pd.DataFrame(rows, index=core.periods, columns=["I", "E[I]", "z_norm", "p_norm"])

    def wald_test(self, restriction: str) -> TestResult:
        """Wald test of an SDM against ``"sar"`` (theta = 0) or ``"sem"`` (theta + rho beta = 0)."""
        return _wald_test(self, restriction)

    def summary(
        self,
        stars: tuple[float, ...] = (0.1, 0.05, 0.01),
        se: SeStyle = "se",
        draws: int = 1000,
        seed: int = 0,
        digits: int = 3,
    ) -> Summary:
        """Paper-style table: Main | Wx | Direct | Indirect | Total, effects with ``draws`` simulated
        standard errors (stars on the effects from their ``p_sim``)."""
        return paper_summary(self, stars=stars, se=se, draws=draws, seed=seed, digits=digits)

    def to_frame(self) -> pd.DataFrame:
        """Estimates in the :data:`~spillover.summary.COLUMNS` scheme (z statistic, normal p-value and 95%
        interval), phi (random effects) and sigma2 included."""
        est, se = self.params.copy(), self.std_errors.copy()
        for name, value, value_se in (
            ("phi", self.phi, self.phi_se),
            ("sigma2", self.sigma2, self.sigma2_se),
        ):
            if value is not None:
                est[name], se[name] = value, value_se
        z = est / se
        q = stats.norm.ppf(0.975)
        return coefficient_frame(est, se, z, 2 * stats.norm.sf(np.abs(z)), est - q * se, est + q * se)

    # ------------------------------------------------------------------ table protocol (spillover.tables)
    @property
    def table_dependent(self) -> str:
        """The dependent variable (table protocol)."""
        return self.y_name

    def table_coefficients(self) -> pd.DataFrame:
        """Estimate, std_error and p_value per coefficient (table protocol)."""
        return pd.DataFrame({"estimate": self.params, "std_error": self.std_errors, "p_value": self.pvalues})

    def table_statistics(self, digits: int = 3) -> dict[str, str]:
        """Rows under the coefficients: phi, sigma2, fixed effects, N, R2, log-likelihood (table protocol)."""
        rows = {"phi": f"{self.phi:.{digits}f}"} if self.phi is not None else {}
        return rows | {
            "sigma2": f"{self.sigma2:.{digits + 3}f}",
            "Fixed effects": self.fixed_effects,
            "N": str(self.nobs),
            "R2": f"{self.r2:.{digits}f}",
            "Log-likelihood": f"{self.loglik:.{digits}f}",
        }

    def fixed_effects_estimates(self) -> dict[str, Any]:
        """Recovered fixed effects (Elhorst 2014, eq. 3.9-3.10).

        Returns
        -------
        dict
            ``"intercept"`` (float), and ``"unit"`` (Series over regions) and/or ``"time"`` (Series over
            periods), depending on the model's fixed effects; with two-way effects each set sums to zero.
        """
        if self.fixed_effects in ("none", "random"):
            what = "no fixed effects" if self.fixed_effects == "none" else "random (not fixed) effects"
            raise ModelError(f"the model has {what}; its intercept is params['const'].")
        core = self._core
        n, t = self.n_regions, self.n_periods
        mat = self._fe_residual().reshape(t, n)
        grand = float(mat.mean())
        out: dict[str, Any] = {"intercept": grand}
        if self.fixed_effects in ("unit", "twoway"):
            out["unit"] = pd.Series(mat.mean(axis=0) - grand, index=core.ids, name="unit_effect")
        if self.fixed_effects in ("time", "twoway"):
            out["time"] = pd.Series(mat.mean(axis=1) - grand, index=core.periods, name="time_effect")
        if self.fixed_effects == "unit":
            out["unit"] = out["unit"] + grand
            out["intercept"] = 0.0
        if self.fixed_effects == "time":
            out["time"] = out["time"] + grand
            out["intercept"] = 0.0
        return out

    def _fe_residual(self) -> np.ndarray:
        """``y - rho W y - X beta`` on the untransformed data (the fixed effects plus the error)."""
        core = self._core
        r = core.y - core.x @ self.params[core.names].to_numpy()
        if self.rho is not None:
            r = r - self.rho * lag(core.op.w, core.y, self.n_regions)
        return r

    def __str__(self) -> str:
        return str(self.summary())
