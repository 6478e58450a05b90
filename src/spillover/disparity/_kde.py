"""Kernel density evolution: the shape of the regional distribution per period.

Each period's cross-section (or its values relative to the cross-section mean, ``relative=True``) gets a
Gaussian kernel density estimate (:class:`scipy.stats.gaussian_kde`), all evaluated on one common grid so the
curves can be overlaid or stacked into the period x value x density surface that papers print.  Papers read
four features off the curves; the result has them per period:

* location -- the main peak (the grid point of the highest density);
* peaks -- the local maxima of the density whose prominence is at least ``prominence`` times the period's
  highest density (:func:`scipy.signal.find_peaks`); more than one is polarisation;
* tails -- the right tail extension ``q95 - main peak`` and the left ``main peak - q05``, with ``q05`` and
  ``q95`` the 5 % and 95 % quantiles of the estimated density (its integral on the grid);
* spread -- the bandwidth.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spillover._readonly import ReadOnly
from spillover.errors import PanelError, SpilloverError, format_items
from spillover.options import check_int, check_number, check_option
from spillover.panel import SpatialPanel
from spillover.summary import Summary

__all__ = ["BANDWIDTHS", "KernelDensityResult", "kernel_density"]

#: Bandwidth rules of :class:`scipy.stats.gaussian_kde`.
BANDWIDTHS: tuple[str, ...] = ("silverman", "scott")
_CUT = 3.0  # the grid reaches 3 bandwidths beyond the data (as R's density(cut=3))


@dataclass(frozen=True)
class KernelDensityResult(ReadOnly):
    """Gaussian kernel densities of a variable per period on a common grid; read-only.

    Attributes
    ----------
    variable
        The analysed variable.
    relative
        Whether the values are relative to each period's cross-section mean.
    bandwidth
        The bandwidth option (a rule name or scipy's factor).
    grid
        The common evaluation points.
    densities
        Density per grid point (rows) and period (columns).
    features
        One row per period: ``bandwidth`` (the kernel's standard deviation), ``peak`` (main peak location),
        ``peak_density``, ``n_peaks``, ``peaks`` (tuple of all peak locations, ascending), ``q05``, ``q95``,
        ``left_tail`` (``peak - q05``), ``right_tail`` (``q95 - peak``).
    """

    variable: str
    relative: bool
    bandwidth: str | float
    grid: np.ndarray
    densities: pd.DataFrame
    features: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Long table of the curves: ``period``, ``value``, ``density``."""
        d = self.densities
        return pd.DataFrame(
            {
                "period": np.repeat(d.columns.to_numpy(), len(d.index)),
                "value": np.tile(self.grid, d.shape[1]),
                "density": d.to_numpy().T.ravel(),
            }
        )

    def summary(self) -> Summary:
        """The per-period features (peaks, tails, bandwidth)."""
        table = self.features.copy()
        table["peaks"] = [", ".join(f"{v:.4g}" for v in p) for p in table["peaks"]]
        return Summary(
            "Kernel density evolution",
            (table,),
            {
                "variable": self.variable,
                "values": "relative to the period mean" if self.relative else "levels",
                "kernel": "Gaussian",
                "bandwidth": self.bandwidth,
            },
            captions=("Peaks and tails per period",),
        )


def kernel_density(
    panel: SpatialPanel,
    var: str,
    periods: Iterable[Hashable] | None = None,
    bandwidth: str | float = "silverman",
    relative: bool = False,
    *,
    points: int = 512,
    prominence: float = 0.05,
) -> KernelDensityResult:
    """Per-period Gaussian kernel density of ``var`` (:class:`scipy.stats.gaussian_kde`) on a common grid.

    Parameters
    ----------
    panel
        The spatial panel.
    var
        Variable (complete in the chosen periods).
    periods
        Periods to estimate (default all, in the panel's order).
    bandwidth
        ``"silverman"`` or ``"scott"`` (the rules of thumb) or a positive number, scipy's ``bw_method``
        factor (the kernel's standard deviation is the factor times the data's).
    relative
        Divide each period's values by their cross-section mean first (the usual relative-income density).
    points
        Number of grid points (from 3 bandwidths below the smallest value to 3 above the largest, over all
        periods).
    prominence
        Minimum prominence of a peak, as a share of the period's highest density.

    Examples
    --------
    >>> import spillover as so
    >>> res = kernel_density(so.datasets.us_states(), "ln_gsp", periods=[1970, 1986])
    >>> res.densities.shape, list(res.features.columns[:4])
    ((512, 2), ['bandwidth', 'peak', 'peak_density', 'n_peaks'])
    """
    from scipy.signal import find_peaks
    from scipy.stats import gaussian_kde

    if not isinstance(panel, SpatialPanel):
        raise PanelError(f"panel must be a spillover.SpatialPanel, got {type(panel).__name__}.")
    if var not in panel.variables:
        raise PanelError(
            f"variable {var!r} is not in the panel; its variables are {format_items(panel.variables)}."
        )
    if isinstance(bandwidth, str):
        check_option(bandwidth, BANDWIDTHS, "bandwidth", error=SpilloverError)
    else:
        check_number(
            bandwidth,
            "bandwidth",
            minimum=0,
            strict=True,
            hint=' (scipy\'s bw_method factor) or "silverman" or "scott"',
        )
    check_int(points, "points", minimum=16)
    check_number(prominence, "prominence", minimum=0, maximum=1)
    chosen = list(panel.periods) if periods is None else list(periods)
    unknown = [p for p in chosen if p not in panel.periods]
    if unknown or not chosen:
        raise PanelError(
            f"periods {format_items(unknown)} are not in the panel; its periods are "
            f"{format_items(panel.periods.tolist())}."
        )
    y = panel.subset(periods=chosen).matrix(var).astype(float)
    if relative:
        means = y.mean(axis=0)
        zero = means.index[means == 0].tolist()
        if zero:
            raise SpilloverError(
                f"variable {var!r} has mean 0 in period(s) {format_items(zero)}: no relative values."
            )
        y = y / means
    kdes: dict[Hashable, Any] = {}
    for period in y.columns:
        col = y[period].to_numpy()
        if np.ptp(col) == 0:
            raise SpilloverError(
                f"variable {var!r} is constant in period {period!r}: its kernel density is undefined."
            )
        kdes[period] = gaussian_kde(col, bw_method=bandwidth)
    sds = {p: float(np.sqrt(k.covariance[0, 0])) for p, k in kdes.items()}
    lo = min(float(y[p].min()) - _CUT * sds[p] for p in kdes)
    hi = max(float(y[p].max()) + _CUT * sds[p] for p in kdes)
    grid = np.linspace(lo, hi, points)
    dens = pd.DataFrame({p: k(grid) for p, k in kdes.items()}, index=pd.Index(grid, name="value"))
    dens.columns.name = panel.time_name
    rows = []
    for period in dens.columns:
        d = dens[period].to_numpy()
        top = int(np.argmax(d))
        found, _ = find_peaks(np.concatenate([[0.0], d, [0.0]]), prominence=prominence * d[top])
        peaks = tuple(float(grid[i - 1]) for i in found)
        cdf = np.concatenate([[0.0], np.cumsum((d[1:] + d[:-1]) / 2 * np.diff(grid))])
        cdf = cdf / cdf[-1]
        q05, q95 = (float(np.interp(q, cdf, grid)) for q in (0.05, 0.95))
        peak = float(grid[top])
        rows.append([sds[period], peak, float(d[top]), len(peaks), peaks, q05, q95, peak - q05, q95 - peak])
    features = pd.DataFrame(
        rows,
        index=dens.columns,
        columns=[
            "bandwidth",
            "peak",
            "peak_density",
            "n_peaks",
            "peaks",
            "q05",
            "q95",
            "left_tail",
            "right_tail",
        ],
    )
    return KernelDensityResult(var, bool(relative), bandwidth, grid, dens, features)
