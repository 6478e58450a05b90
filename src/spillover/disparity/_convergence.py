"""Sigma, beta and spatial beta convergence of a regional variable (analysis layer).

* ``kind="sigma"``: the dispersion of the regions per period, the coefficient of variation of ``var`` and the
  standard deviation of ``ln var``, with a linear trend test of each on time (OLS; a significantly negative
  slope of the SD of logs is sigma convergence).
* ``kind="beta"``: the growth equation

  .. math:: \\ln(y_{it}/y_{i,t-1}) = \\alpha + \\beta \\ln y_{i,t-1} + x_{it}'\\gamma + \\mu_i + \\lambda_t + \\varepsilon_{it}

  absolute (no controls, pooled OLS) or conditional (controls and/or fixed effects, two-way by default),
  estimated by :func:`spillover.panel_models.fixed_effects` with region-clustered standard errors.
* ``kind="spatial_beta"``: the same equation as a SAR, SEM or SDM spatial panel
  (:class:`spillover.SpatialPanelModel`), with the LeSage-Pace direct, indirect and total effects of the
  initial level for SAR and SDM.

A negative beta is convergence; its speed is :math:`\\lambda = -\\ln(1 + \\beta)/\\tau` (``tau`` the years
between consecutive periods) and its half-life :math:`\\ln 2/\\lambda`, with delta-method standard errors
(:math:`se_\\lambda = se_\\beta / (\\tau |1 + \\beta|)`, :math:`se_H = \\ln 2\\, se_\\lambda / \\lambda^2`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from scipy import stats

from spillover._names import format_items
from spillover._readonly import ReadOnly
from spillover.errors import ModelError, PanelError
from spillover.options import Effects, FixedEffects, check_int, check_number, check_option, check_seed
from spillover.panel import SpatialPanel
from spillover.panel_models import fixed_effects as _fixed_effects
from spillover.spatial import SpatialPanelModel
from spillover.summary import COLUMNS, Summary, coefficient_frame

__all__ = ["convergence", "ConvergenceResults", "ConvergenceKind", "BetaModel"]

ConvergenceKind = Literal["sigma", "beta", "spatial_beta"]
BetaModel = Literal["sar", "sem", "sdm"]

_Z = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class ConvergenceResults(ReadOnly):
    """Result of :func:`convergence`; read-only.

    Attributes
    ----------
    kind
        ``"sigma"``, ``"beta"`` or ``"spatial_beta"``.
    var
        The variable (in levels; its log is used).
    coefficients
        Estimates in the :data:`~spillover.summary.COLUMNS` scheme (also :meth:`to_frame`).  Sigma: rows
        ``sd_log_trend`` and ``cv_trend`` (OLS slopes on time, t statistics with T-2 df).  Beta: ``beta``,
        ``speed``, ``half_life``, for spatial SAR/SDM ``direct``, ``indirect``, ``total`` (effects of the
        initial level, simulated), then the model's other coefficients under their own names.
    dispersion
        Sigma only: per period ``mean``, ``sd``, ``cv`` (sd / mean) and ``sd_log`` (sample SDs, ddof=1).
    model
        Beta kinds: the fitted regression (:class:`~spillover.panel_models.PanelResults` or
        :class:`~spillover.spatial.SpatialResults`), with every number of its own.
    form
        Beta kinds: ``"absolute"`` (no controls, no fixed effects) or ``"conditional"``.
    growth, initial
        Beta kinds: the names of the constructed growth and lagged log-level columns.
    """

    kind: str
    var: str
    coefficients: pd.DataFrame
    n_regions: int
    n_periods: int
    dispersion: pd.DataFrame | None = None
    model: Any = None
    form: str | None = None
    model_kind: str | None = None
    fixed_effects: str | None = None
    controls: tuple[str, ...] = ()
    tau: float = 1.0
    growth: str | None = None
    initial: str | None = None

    # ------------------------------------------------------------------ numbers
    def _value(self, row: str) -> float:
        return (
            float(self.coefficients.loc[row, "estimate"]) if row in self.coefficients.index else float("nan")
        )

    @property
    def beta(self) -> float:
        """The coefficient of the initial log level (NaN for sigma)."""
        return self._value("beta")

    @property
    def speed(self) -> float:
        """Convergence speed lambda = -ln(1 + beta) / tau (NaN for sigma)."""
        return self._value("speed")

    @property
    def half_life(self) -> float:
        """Half-life ln 2 / lambda, in the unit of tau (NaN for sigma, or when lambda <= 0)."""
        return self._value("half_life")

    @property
    def converging(self) -> bool:
        """Whether the key slope (the SD-of-logs trend for sigma, beta otherwise) is negative."""
        row = "sd_log_trend" if self.kind == "sigma" else "beta"
        return bool(self._value(row) < 0)

    def to_frame(self) -> pd.DataFrame:
        """The estimates in the :data:`~spillover.summary.COLUMNS` scheme."""
        return self.coefficients.copy()

    # ------------------------------------------------------------------ report
    def _header(self) -> dict[str, str]:
        head = {"Variable": self.var, "Regions": str(self.n_regions), "Periods": str(self.n_periods)}
        if self.kind != "sigma":
            head |= {
                "Form": str(self.form),
                "Fixed effects": str(self.fixed_effects),
                "Controls": ", ".join(self.controls) or "none",
                "tau": f"{self.tau:g}",
            }
            if self.kind == "beta":
                head["Std. errors"] = f"clustered by {self.model.cluster_label}"
            else:
                head["Model"] = str(self.model_kind).upper()
        return head

    def summary(self) -> Summary:
        """The report: the estimates (and, for sigma, the dispersion per period)."""
        titles = {
            "sigma": f"Sigma convergence of {self.var}",
            "beta": f"Beta convergence of {self.var}",
            "spatial_beta": f"Spatial beta convergence of {self.var}",
        }
        tables: tuple[pd.DataFrame, ...] = (self.to_frame(),)
        captions: tuple[str, ...] = ("Estimates",)
        if self.dispersion is not None:
            tables += (self.dispersion,)
            captions += ("Dispersion per period",)
        notes = (
            "Trend: OLS slope on time, t statistic with T-2 degrees of freedom."
            if self.kind == "sigma"
            else "speed = -ln(1 + beta) / tau, half_life = ln 2 / speed; delta-method standard errors."
        )
        return Summary(titles[self.kind], tables, header=self._header(), notes=notes, captions=captions)

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


# ---------------------------------------------------------------------- public entry
def convergence(
    panel: SpatialPanel,
    var: str,
    kind: ConvergenceKind = "sigma",
    *,
    controls: str | Sequence[str] | None = None,
    fixed_effects: Effects | None = None,
    model: BetaModel = "sar",
    w: Any = None,
    tau: float = 1.0,
    draws: int = 1000,
    seed: int | None = 0,
) -> ConvergenceResults:
    """Sigma, beta or spatial beta convergence of ``var`` across the panel's regions.

    Parameters
    ----------
    panel
        The panel; ``var`` must be positive and complete (its log is taken).  At least 3 periods.
    var
        The variable in levels (e.g. GDP per capita; for a logged column pass its level).
    kind
        ``"sigma"``, ``"beta"`` or ``"spatial_beta"``.
    controls
        Beta kinds: further regressors of the growth equation (conditional convergence), columns of the panel.
    fixed_effects
        Beta kinds: ``"none"``, ``"unit"``, ``"time"``, ``"twoway"`` (spatial also ``"random"``).  Default:
        ``"none"`` (absolute convergence) for ``kind="beta"`` without controls, ``"twoway"`` otherwise.
    model, w
        ``kind="spatial_beta"``: ``"sar"``, ``"sem"`` or ``"sdm"`` and the spatial weights.
    tau
        Time between consecutive periods (1 for annual data), for the speed and half-life.
    draws, seed
        Simulation draws and seed of the direct/indirect/total effects (spatial SAR and SDM).

    Examples
    --------
    >>> import spillover as so
    >>> res = convergence(so.datasets.us_states(), "gsp", "beta")
    >>> res.beta < 0, list(res.to_frame().index[:3])
    (True, ['beta', 'speed', 'half_life'])
    """
    check_option(kind, ConvergenceKind, "kind", error=ModelError)
    check_number(tau, "tau", minimum=0, strict=True, error=ModelError, hint=" (time between periods)")
    if not isinstance(panel, SpatialPanel):
        raise PanelError(f"panel must be a SpatialPanel, got {type(panel).__name__}.")
    if panel.n_periods < 3:
        raise PanelError(
            f"convergence needs at least 3 periods, the panel has {panel.n_periods} "
            f"({format_items(panel.periods.tolist())})."
        )
    levels = _positive(panel, var)
    if kind == "sigma":
        return _sigma(panel, var, levels)
    ctrl = [controls] if isinstance(controls, str) else list(controls or [])
    for c in ctrl:
        if c not in panel.variables:
            raise ModelError(
                f"control {c!r} is not in the panel; its variables are {format_items(panel.variables)}."
            )
    if kind == "beta":
        fe = fixed_effects or ("twoway" if ctrl else "none")
        check_option(fe, FixedEffects, "fixed_effects", error=ModelError)
    else:
        fe = fixed_effects or "twoway"
        check_option(fe, Effects, "fixed_effects", error=ModelError)
        check_option(model, BetaModel, "model", error=ModelError)
        if w is None:
            raise ModelError("kind='spatial_beta' needs the spatial weights: pass w=.")
        check_int(draws, "draws", minimum=2, error=ModelError)
        check_seed(seed, error=ModelError)
    growth_panel, growth, initial = growth_data(panel, var)
    res: Any
    if kind == "beta":
        res = _fixed_effects(
            growth_panel, growth, [initial, *ctrl], fixed_effects=cast(FixedEffects, fe), cluster="unit"
        )
        coef = _beta_frame(res.to_frame(), initial, tau)
    else:
        res = SpatialPanelModel(growth_panel, growth, [initial, *ctrl], w, kind=model, fixed_effects=fe).fit()
        coef = _beta_frame(res.to_frame(), initial, tau)
        if model in ("sar", "sdm"):
            coef = _with_impacts(
                coef, res.impacts(draws=draws, seed=seed if seed is not None else 0), initial
            )
    return ConvergenceResults(
        kind=kind,
        var=var,
        coefficients=coef,
        n_regions=panel.n_regions,
        n_periods=panel.n_periods,
        model=res,
        form="absolute" if not ctrl and fe == "none" else "conditional",
        model_kind=model if kind == "spatial_beta" else None,
        fixed_effects=fe,
        controls=tuple(ctrl),
        tau=float(tau),
        growth=growth,
        initial=initial,
    )


def growth_data(panel: SpatialPanel, var: str) -> tuple[SpatialPanel, str, str]:
    """The panel of the growth equation: its periods after the first, with two columns added.

    ``D.ln_{var}`` is the growth ``ln(y_t / y_{t-1})`` and ``L1.ln_{var}`` the lagged log level ``ln y_{t-1}``
    (the periods in the panel's sorted order).  Returns the panel and the two names.
    """
    levels = _positive(panel, var)
    ln = np.log(levels)
    lagged = ln.groupby(level=0, sort=False).shift(1)
    growth, initial = f"D.ln_{var}", f"L1.ln_{var}"
    extra = pd.DataFrame({growth: ln - lagged, initial: lagged})
    return panel.with_data(extra).subset(periods=panel.periods[1:]), growth, initial


# ---------------------------------------------------------------------- pieces
def _positive(panel: SpatialPanel, var: str) -> pd.Series:
    col = panel._numeric(var)
    bad = col[col <= 0]
    if len(bad):
        raise PanelError(
            f"variable {var!r} must be positive (its log is taken); non-positive at (region, period): "
            f"{format_items(bad.index.tolist())}."
        )
    return col


def _trend(t: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    fit = stats.linregress(t, y)
    stat = fit.slope / fit.stderr if fit.stderr > 0 else np.nan
    p = 2 * stats.t.sf(abs(stat), len(t) - 2) if np.isfinite(stat) else np.nan
    return float(fit.slope), float(fit.stderr), float(stat), float(p)


def _sigma(panel: SpatialPanel, var: str, levels: pd.Series) -> ConvergenceResults:
    mat = levels.unstack(level=1)
    ln = np.log(mat)
    mean = mat.mean(axis=0)
    sd = mat.std(axis=0, ddof=1)
    disp = pd.DataFrame({"mean": mean, "sd": sd, "cv": sd / mean, "sd_log": ln.std(axis=0, ddof=1)})
    disp.index.name = panel.time_name
    t = _time_axis(panel.periods)
    rows = [_trend(t, disp[c].to_numpy()) for c in ("sd_log", "cv")]
    df = len(t) - 2
    q = float(stats.t.ppf(0.975, df))
    est, se, stat, p = (np.array(v) for v in zip(*rows))
    coef = coefficient_frame(est, se, stat, p, est - q * se, est + q * se, index=["sd_log_trend", "cv_trend"])
    return ConvergenceResults(
        kind="sigma",
        var=var,
        coefficients=coef,
        n_regions=panel.n_regions,
        n_periods=panel.n_periods,
        dispersion=disp,
    )


def _time_axis(periods: pd.Index) -> np.ndarray:
    """The periods as numbers (years as they are), or 0..T-1 when they are not numeric."""
    if pd.api.types.is_numeric_dtype(periods):
        return np.asarray(periods, dtype=float)
    return np.arange(len(periods), dtype=float)


def _row(est: float, se: float) -> list[float]:
    stat = est / se if se > 0 else np.nan
    p = float(2 * stats.norm.sf(abs(stat))) if np.isfinite(stat) else np.nan
    return [est, se, stat, p, est - _Z * se, est + _Z * se]


def speed_and_half_life(beta: float, se_beta: float, tau: float = 1.0) -> tuple[list[float], list[float]]:
    """COLUMNS rows of lambda = -ln(1 + beta)/tau and ln 2/lambda with delta-method SEs (normal z, 95% CI).

    NaN where beta <= -1 (no log) and, for the half-life, where lambda <= 0 (divergence).
    """
    if beta <= -1:
        nan = [np.nan] * len(COLUMNS)
        return nan, list(nan)
    lam = -np.log1p(beta) / tau
    se_lam = se_beta / (tau * abs(1 + beta))
    speed = _row(float(lam), float(se_lam))
    if lam <= 0:
        return speed, [np.nan] * len(COLUMNS)
    return speed, _row(float(np.log(2) / lam), float(np.log(2) * se_lam / lam**2))


def _beta_frame(table: pd.DataFrame, initial: str, tau: float) -> pd.DataFrame:
    table = table.loc[:, list(COLUMNS)]
    beta = table.loc[initial]
    speed, half = speed_and_half_life(float(beta["estimate"]), float(beta["std_error"]), tau)
    head = pd.DataFrame(
        [beta.to_numpy(dtype=float), speed, half], index=["beta", "speed", "half_life"], columns=list(COLUMNS)
    )
    return pd.concat([head, table.drop(index=initial)])


def _with_impacts(coef: pd.DataFrame, impacts: pd.DataFrame, initial: str) -> pd.DataFrame:
    rows = impacts.xs(initial, level="variable").loc[["direct", "indirect", "total"], list(COLUMNS)]
    return pd.concat([coef.iloc[:3], rows, coef.iloc[3:]])
