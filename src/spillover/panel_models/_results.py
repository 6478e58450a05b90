"""Immutable results of the panel models, with the table protocol (:class:`spillover.summary.TableResult`)
that :func:`spillover.tables.compare` renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.panel_models._data import DroppedRows
from spillover.summary import Summary, coefficient_frame, conf_int, std_errors

__all__ = ["PanelResults"]

_EFFECT_ROWS = {"twoway": ("Yes", "Yes"), "unit": ("Yes", "No"), "time": ("No", "Yes"), "none": ("No", "No")}


@dataclass(frozen=True)
class PanelResults(ReadOnly):
    """Result of :func:`~spillover.panel_models.fixed_effects` (and the base of the IV result); read-only.

    Attributes
    ----------
    params, cov
        Slope coefficients (the fixed effects are absorbed) and their covariance: cluster-robust CR1 with
        ``G/(G-1) (n-1)/(n-K)`` when ``cluster`` is set, K counting the absorbed effects not nested in the
        clusters (fixest/reghdfe convention); classical ``s^2 (X'X)^-1`` with ``cluster=None``; Conley
        spatial HAC times ``n/(n-K)`` with ``se="conley"`` (K: coefficients and all absorbed effects).
    df_resid
        Degrees of freedom of the t reference distribution: ``G - 1`` with clusters (min over the two
        dimensions for two-way clustering), else ``n - K``.
    r2_within, r2
        R-squared of the within-transformed regression, and of the full model (fixed effects included)
        around the mean of y.
    dropped
        Rows of the panel left out for missing values (how many, which regions and periods).
    wild_pvalues
        Wild cluster bootstrap p-values when the model was fitted with ``inference="wild"`` (then
        :attr:`pvalues` returns them), else None.
    """

    params: pd.Series
    cov: pd.DataFrame
    nobs: int
    df_resid: int
    r2_within: float
    r2: float
    y_name: str
    fixed_effects: str
    cluster: str | None
    n_clusters: int | None
    n_regions: int
    n_periods: int
    dropped: DroppedRows
    model: str = "FE"
    rss: float = float("nan")
    extra_rows: dict[str, str] = field(default_factory=dict)
    wild_pvalues: pd.Series | None = field(default=None, repr=False)
    se_label: tuple[str, str] | None = None  # (short, long) description of non-clustered standard errors

    # ------------------------------------------------------------------ inference
    @property
    def std_errors(self) -> pd.Series:
        """Standard errors (square roots of the diagonal of :attr:`cov`)."""
        return std_errors(self.params, self.cov)

    @property
    def tstats(self) -> pd.Series:
        """t statistics."""
        return (self.params / self.std_errors).rename("tstats")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from t(:attr:`df_resid`), or the wild cluster bootstrap's when it was asked
        for (``inference="wild"``)."""
        if self.wild_pvalues is not None:
            return self.wild_pvalues.copy()
        return pd.Series(
            2 * stats.t.sf(np.abs(self.tstats), self.df_resid), index=self.params.index, name="pvalues"
        )

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals from t(:attr:`df_resid`)."""
        return conf_int(self.params, self.std_errors, stats.t.ppf(0.5 + level / 2, self.df_resid))

    # ------------------------------------------------------------------ labels
    @property
    def cluster_label(self) -> str:
        """How the standard errors are computed, in words."""
        if self.se_label is not None:
            return self.se_label[0]
        if self.cluster is None:
            return "none (iid)"
        return {"unit": "region", "time": "period", "twoway": "region and period"}.get(
            self.cluster, self.cluster
        )

    # ------------------------------------------------------------------ output
    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates in the :data:`~spillover.summary.COLUMNS` scheme: ``statistic`` is t, ``p_value`` from
        t(:attr:`df_resid`) (or the wild bootstrap's), the interval of ``level``."""
        ci = self.conf_int(level)
        return coefficient_frame(
            self.params, self.std_errors, self.tstats, self.pvalues, ci["lower"], ci["upper"]
        )

    def _header(self) -> dict[str, str]:
        unit, time = _EFFECT_ROWS[self.fixed_effects]
        clusters = f" ({self.n_clusters} clusters)" if self.n_clusters else ""
        se = {"Std. errors": f"clustered by {self.cluster_label}{clusters}"}
        if self.se_label is not None:
            k = self.nobs - self.df_resid
            se = {
                "Std. errors": self.se_label[1],
                "Small-sample factor": f"N/(N-K) = {self.nobs}/{self.df_resid} (K = {k}: coefficients and "
                "absorbed effects); t(N-K)",
            }
        return {
            "Region FE": unit,
            "Period FE": time,
            "Observations": str(self.nobs),
            "Regions": str(self.n_regions),
            "Periods": str(self.n_periods),
            **se,
            "R2 within": f"{self.r2_within:.4f}",
            "R2 overall": f"{self.r2:.4f}",
            "Missing values": self.dropped.describe(),
        } | self.extra_rows

    def summary(self) -> Summary:
        """The report: model, fixed effects, standard errors, fit, and the coefficient table."""
        return Summary(f"{self.model} regression of {self.y_name}", (self.to_frame(),), header=self._header())

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    # ------------------------------------------------------------------ table protocol
    def table_coefficients(self) -> pd.DataFrame:
        """Protocol of :mod:`spillover.tables`: estimate, std_error and p_value per coefficient."""
        return pd.DataFrame({"estimate": self.params, "std_error": self.std_errors, "p_value": self.pvalues})

    def table_statistics(self, digits: int = 3) -> dict[str, str]:
        """Protocol of :mod:`spillover.tables`: rows under the coefficients (FE, cluster, N, R2...)."""
        unit, time = _EFFECT_ROWS[self.fixed_effects]
        rows = {
            "Region FE": unit,
            "Period FE": time,
            "Cluster": self.cluster_label,  # one row key across models (Conley fits say "Conley 500 km")
            "N": str(self.nobs),
            "R2 within": f"{self.r2_within:.{digits}f}",
        }
        return rows | self.extra_rows

    @property
    def table_dependent(self) -> str:
        """Protocol of :mod:`spillover.tables`: the dependent variable."""
        return self.y_name

    # ------------------------------------------------------------------ maketables plug-in (optional)
    # maketables' ETable reads these attributes without spillover importing maketables
    # (https://github.com/py-econometrics/maketables/blob/main/PLUGIN_EXTRACTOR_FORMAT.md).
    @property
    def __maketables_coef_table__(self) -> pd.DataFrame:
        ci = self.conf_int()
        return pd.DataFrame(
            {
                "b": self.params,
                "se": self.std_errors,
                "t": self.tstats,
                "p": self.pvalues,
                "ci95l": ci["lower"],
                "ci95u": ci["upper"],
            }
        )

    def __maketables_stat__(self, key: str) -> Any:
        stats_ = {
            "N": self.nobs,
            "r2": self.r2,
            "r2_within": self.r2_within,
            "se_type": self.cluster_label,
            "nclusters": self.n_clusters,
        }
        return stats_.get(key)

    @property
    def __maketables_depvar__(self) -> str:
        return self.y_name

    @property
    def __maketables_fixef_string__(self) -> str | None:
        return {"twoway": "region+period", "unit": "region", "time": "period"}.get(self.fixed_effects)
