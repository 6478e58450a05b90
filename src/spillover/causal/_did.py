"""Difference-in-differences with spillover exposure (spatial DiD) and the SDM-DiD.

The spatial DiD regresses, with region and period effects absorbed (:func:`spillover.panel_models.fixed_effects`,
pyfixest as the engine),

    y_it = tau D_it + sum_k delta_k S_kit + x_it' beta + mu_i + lambda_t + e_it,

``D`` the treated region-periods and ``S_k`` the exposure terms (:mod:`spillover.causal._common`).  The
omitted category, against which ``tau`` and the ``delta_k`` are measured, is the *clean controls*: untreated
region-periods with zero exposure (no treated region within the outermost ring, or no treated neighbour
under ``w``).  The naive TWFE regression (``D`` and the controls only) is fitted on the same rows: when
untreated neighbours of treated regions gain (or lose) from the policy, they sit in its control group and
bias ``tau`` towards (away from) zero by about ``delta`` times their share of the controls (Butts 2021).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spillover._readonly import ReadOnly
from spillover.causal._common import (
    check_columns,
    check_rings,
    distances_km,
    fresh_name,
    long_column,
    ring_exposure,
    treat_matrix,
    w_exposure,
)
from spillover.errors import ModelError, format_items
from spillover.options import (
    BiasCorrection,
    FixedEffects,
    check_int,
    check_option,
    check_probability,
    check_seed,
)
from spillover.panel import SpatialPanel
from spillover.panel_models import PanelResults
from spillover.panel_models import fixed_effects as _fixed_effects
from spillover.spatial import SpatialPanelModel
from spillover.spatial.results import SpatialPanelResults
from spillover.summary import COLUMNS, P_SIM, Summary
from spillover.weights._types import PointKind

__all__ = ["SpatialDiDResult", "spatial_did", "SdmDiDResult", "sdm_did", "fit_did"]

ROLES = ("direct", "spillover", "control", "naive")


@dataclass(frozen=True)
class DidFit:
    """The two regressions of one spatial DiD, and the names of their terms."""

    main: PanelResults
    naive: PanelResults | None  # not fitted for the placebo draws, which only need the main terms
    treat: str
    exposures: tuple[str, ...]
    n_clean: int


def exposure_frames(
    panel: SpatialPanel,
    d: pd.DataFrame,
    w: Any,
    edges: list[float] | None,
    dist: np.ndarray | None,
    treat: str,
) -> dict[str, pd.DataFrame]:
    """The exposure terms (regions x periods) of treatment ``d``: ``{treat}_exposure`` or one per ring."""
    if w is not None:
        return {f"{treat}_exposure": w_exposure(panel, d, w)}
    assert edges is not None and dist is not None
    return ring_exposure(d, dist, edges)


def fit_did(
    panel: SpatialPanel,
    y: str,
    treat: str,
    d: pd.DataFrame,
    *,
    w: Any,
    edges: list[float] | None,
    dist: np.ndarray | None,
    controls: Sequence[str],
    fixed_effects: FixedEffects,
    cluster: str | None,
    placebo: bool = False,
) -> DidFit:
    """Fit the spatial DiD and the naive TWFE for treatment ``d`` (the panel's own, or a placebo's)."""
    expo = exposure_frames(panel, d, w, edges, dist, treat)
    empty = [name for name, frame in expo.items() if not frame.to_numpy().any()]
    if empty:
        raise ModelError(
            f"exposure term(s) {format_items(empty)} are 0 in every region-period (no treated region at that "
            "distance or among the neighbours); choose rings_km that hold some, or other weights."
        )
    taken: list[str] = []
    d_name = fresh_name(panel, f"{treat}_placebo") if placebo else treat
    columns = {}
    if placebo:
        columns[d_name] = long_column(d, panel, d_name)
        taken.append(d_name)
    names = []
    for base, frame in expo.items():
        name = fresh_name(panel, base, taken)
        taken.append(name)
        names.append(name)
        columns[name] = long_column(frame, panel, name)
    augmented = panel.with_data(pd.DataFrame(columns))
    x = [d_name, *names, *controls]
    main = _fixed_effects(augmented, y, x, fixed_effects=fixed_effects, cluster=cluster)
    naive = (
        None
        if placebo
        else _fixed_effects(augmented, y, [d_name, *controls], fixed_effects=fixed_effects, cluster=cluster)
    )
    exposed = np.zeros(d.shape, dtype=bool)
    for frame in expo.values():
        exposed |= frame.to_numpy() != 0
    clean = (d.to_numpy() == 0) & ~exposed
    return DidFit(main, naive, d_name, tuple(names), int(clean.sum()))


@dataclass(frozen=True)
class SpatialDiDResult(ReadOnly):
    """Result of :func:`spatial_did`; read-only.

    Attributes
    ----------
    y_name, treat
        Outcome and treatment column.
    exposure
        ``"w"`` (weighted share of treated neighbours) or ``"rings"`` (distance rings in km, :attr:`rings_km`).
    terms
        The exposure terms' names (``{treat}_exposure`` or ``ring_0_50km``...).
    model, naive
        The spatial DiD and the naive TWFE (treatment and controls only) as
        :class:`~spillover.panel_models.PanelResults`.
    n_clean
        Clean-control region-periods: untreated and unexposed (the reference group).
    level
        Confidence level of the intervals of :meth:`to_frame`.
    """

    y_name: str
    treat: str
    exposure: str
    terms: tuple[str, ...]
    rings_km: tuple[float, ...] | None
    controls: tuple[str, ...]
    model: PanelResults
    naive: PanelResults
    n_clean: int
    level: float
    _panel: SpatialPanel = field(repr=False)
    _w: Any = field(repr=False, default=None)
    _dist: np.ndarray | None = field(repr=False, default=None)

    def exposure_data(self) -> pd.DataFrame:
        """The regressors built from the treatment, indexed by (region, period): the treatment column and
        each exposure term (as :func:`spatial_did` computed them)."""
        panel = self._panel
        d = treat_matrix(panel, self.treat)
        edges = list(self.rings_km) if self.rings_km is not None else None
        frames = {self.treat: d} | exposure_frames(panel, d, self._w, edges, self._dist, self.treat)
        frames = {name: frames[key] for name, key in zip((self.treat, *self.terms), frames, strict=True)}
        return pd.DataFrame({name: long_column(f, panel, name) for name, f in frames.items()})

    @property
    def att(self) -> float:
        """The direct effect of own treatment (against clean controls)."""
        return float(self.model.params[self.treat])

    @property
    def spillover(self) -> pd.Series:
        """The spillover effect of each exposure term."""
        return self.model.params[list(self.terms)].rename("spillover")

    @property
    def naive_att(self) -> float:
        """The naive TWFE estimate of the treatment effect (treatment and controls only)."""
        return float(self.naive.params[self.treat])

    @property
    def bias(self) -> float:
        """``naive_att - att``: how far the naive TWFE is from the direct effect."""
        return self.naive_att - self.att

    def to_frame(self) -> pd.DataFrame:
        """Rows per term in :data:`~spillover.summary.COLUMNS` (t statistics, t(G-1) p-values and
        intervals at :attr:`level`) with a ``role`` column: ``direct`` (own treatment, against clean
        controls), ``spillover`` (one row per exposure term), ``control`` (the controls), and ``naive``
        (the treatment's coefficient in the naive TWFE, row ``"{treat} (naive TWFE)"``)."""
        main = self.model.to_frame(self.level)
        main["role"] = ["direct"] + ["spillover"] * len(self.terms) + ["control"] * len(self.controls)
        naive = self.naive.to_frame(self.level).loc[[self.treat]]
        naive.index = [f"{self.treat} (naive TWFE)"]
        naive["role"] = "naive"
        out = pd.concat([main, naive])
        out.index.name = "term"
        return out[[*COLUMNS, "role"]]

    def summary(self) -> Summary:
        """The direct, spillover and naive estimates side by side, with the design."""
        header = {
            "Outcome": self.y_name,
            "Treatment": self.treat,
            "Exposure": (
                "W-weighted share of treated neighbours"
                if self.exposure == "w"
                else f"distance rings {list(self.rings_km or ())} km (nearest other treated region)"
            ),
            "Clean controls": f"{self.n_clean} untreated, unexposed region-periods",
        } | self.model._header()
        notes = (
            f"direct: effect of own treatment against clean controls; spillover: effect of each exposure term; "
            f"naive TWFE: treatment only, bias {self.bias:+.4f} (naive - direct)."
        )
        return Summary("Spatial difference-in-differences", (self.to_frame(),), header=header, notes=notes)

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    # ------------------------------------------------------------------ table protocol
    @property
    def table_dependent(self) -> str:
        """Protocol of :mod:`spillover.tables`: the outcome."""
        return self.y_name

    def table_coefficients(self) -> pd.DataFrame:
        """Protocol of :mod:`spillover.tables`: the spatial DiD's terms (the naive row apart)."""
        return self.model.table_coefficients()

    def table_statistics(self, digits: int = 3) -> dict[str, str]:
        """Protocol of :mod:`spillover.tables`: FE, cluster, N, and the naive estimate."""
        return self.model.table_statistics(digits) | {"Naive TWFE": f"{self.naive_att:.{digits}f}"}


def spatial_did(
    panel: SpatialPanel,
    y: str,
    treat: str,
    *,
    w: Any = None,
    rings_km: Sequence[float] | None = None,
    controls: Sequence[str] = (),
    fixed_effects: FixedEffects = "twoway",
    cluster: str | None = "unit",
    level: float = 0.95,
    coords: PointKind | tuple[str, str] = "centroid",
) -> SpatialDiDResult:
    """Difference-in-differences with spillover exposure (Clarke 2017; Butts 2021).

    .. math:: y_{it} = \\tau D_{it} + \\sum_k \\delta_k S_{kit} + x_{it}'\\beta + \\mu_i + \\lambda_t
        + \\varepsilon_{it}

    Parameters
    ----------
    panel, y
        The panel and the outcome.
    treat
        A 0/1 column: 1 for treated region-periods.
    w
        Spatial weights (Graph, W or square DataFrame, aligned to the panel's regions): the exposure is
        ``S_it = sum_j w_ij D_jt``, the share of treated neighbours when ``w`` is row-standardised.
    rings_km
        Ring edges in km, e.g. ``[0, 50, 100]``: one 0/1 exposure term per ring, 1 when the nearest other
        treated region (great-circle distance between the regions' ``coords`` points) lies in
        ``(r_k, r_{k+1}]`` (``[r_0, r_1]`` for the first).  Give either ``w`` or ``rings_km``.
    controls
        Further regressors (columns).
    fixed_effects, cluster
        As in :func:`spillover.panel_models.fixed_effects` (default: two-way effects, clustered by region).
    level
        Confidence level of the intervals.
    coords
        The regions' points for ``rings_km`` (``"centroid"`` default, ``"representative"``, ``"capital"``
        or a pair of lon/lat columns), as in :func:`spillover.weights.distance`.

    Returns
    -------
    SpatialDiDResult
        ``att`` (direct effect against clean controls: untreated, unexposed region-periods), ``spillover``,
        ``naive_att`` and ``bias``; ``to_frame()`` with a ``role`` column; ``summary()``.
    """
    check_option(fixed_effects, FixedEffects, "fixed_effects", error=ModelError)
    check_probability(level, "level", error=ModelError)
    controls = tuple([controls] if isinstance(controls, str) else controls)
    check_columns(panel, [y, *controls], "column")
    d = treat_matrix(panel, treat)
    if (w is None) == (rings_km is None):
        raise ModelError(
            "spatial_did needs the exposure: give either w= (weights) or rings_km= (e.g. [0, 50, 100])."
        )
    edges = check_rings(rings_km) if rings_km is not None else None
    dist = distances_km(panel, coords) if edges is not None else None
    if d.to_numpy().sum() == 0:
        raise ModelError(f"treatment column {treat!r} has no treated region-period (all 0).")
    fit = fit_did(
        panel,
        y,
        treat,
        d,
        w=w,
        edges=edges,
        dist=dist,
        controls=controls,
        fixed_effects=fixed_effects,
        cluster=cluster,
    )
    if fit.n_clean == 0:
        raise ModelError(
            "no clean controls: every untreated region-period is exposed; use a smaller outer ring or "
            "sparser weights."
        )
    return SpatialDiDResult(
        y,
        treat,
        "w" if w is not None else "rings",
        fit.exposures,
        tuple(edges) if edges is not None else None,
        controls,
        fit.main,
        fit.naive,  # type: ignore[arg-type]  # fitted: not a placebo
        fit.n_clean,
        float(level),
        panel,
        w,
        dist,
    )


# ---------------------------------------------------------------------- SDM-DiD
SDM_ROWS = {
    "direct": "own treatment effect (direct)",
    "indirect": "spillover treatment effect (indirect)",
    "total": "total",
}


@dataclass(frozen=True)
class SdmDiDResult(ReadOnly):
    """Result of :func:`sdm_did`: the fitted two-way FE SDM and its treatment effects; read-only.

    ``results`` is the :class:`~spillover.spatial.results.SpatialPanelResults` (coefficients, impacts of the
    controls); :meth:`to_frame` the treatment's direct, indirect and total effects read as the own,
    spillover and total treatment effects.
    """

    results: SpatialPanelResults
    treat: str
    draws: int
    seed: int
    _effects: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Rows ``own treatment effect (direct)``, ``spillover treatment effect (indirect)``, ``total``:
        :data:`~spillover.summary.COLUMNS` (z and p-value from the simulated standard error, 2.5/97.5 %
        quantiles of the draws), ``p_sim`` and ``role`` (direct, indirect, total)."""
        return self._effects.copy()

    def summary(self) -> Summary:
        """The treatment effects, then the model's coefficients."""
        header = {
            "Outcome": self.results.y_name,
            "Treatment": self.treat,
            "Model": f"SDM, fixed effects {self.results.fixed_effects}",
            "Observations": str(self.results.nobs),
            "Effect draws": f"{self.draws} (seed {self.seed})",
        }
        return Summary(
            "SDM difference-in-differences",
            (self.to_frame(), self.results.to_frame()),
            header=header,
            captions=("Treatment effects (LeSage-Pace impacts of the treatment dummy)", "Coefficients"),
            notes="direct: own treatment effect; indirect: spillover on the other regions; total = direct + indirect.",
        )

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    @property
    def table_dependent(self) -> str:
        """Protocol of :mod:`spillover.tables`: the outcome."""
        return self.results.y_name

    def table_coefficients(self) -> pd.DataFrame:
        """Protocol of :mod:`spillover.tables`: the three treatment effects."""
        return self._effects[["estimate", "std_error", "p_value"]]

    def table_statistics(self, digits: int = 3) -> dict[str, str]:
        """Protocol of :mod:`spillover.tables`: the model's rows."""
        return self.results.table_statistics(digits)


def sdm_did(
    panel: SpatialPanel,
    y: str,
    treat: str,
    w: Any,
    *,
    controls: Sequence[str] = (),
    fixed_effects: FixedEffects = "twoway",
    bias_correction: BiasCorrection = "none",
    draws: int = 1000,
    seed: int = 0,
) -> SdmDiDResult:
    """The SDM-DiD: a treatment dummy in the spatial Durbin model with region and period effects.

    .. math:: y_t = \\rho W y_t + \\tau D_t + \\theta W D_t + X_t \\beta + W X_t \\gamma + \\mu + \\lambda_t
        + \\varepsilon_t

    The LeSage-Pace effects of ``D`` are the treatment effects: direct = own treatment effect (feedback
    through the neighbours included), indirect = spillover onto the other regions, total = their sum.

    Parameters
    ----------
    panel, y, treat, w
        The panel, the outcome, the 0/1 treatment column and the weights.
    controls
        Further regressors (their spatial lags enter too).
    fixed_effects
        ``"twoway"`` (default), ``"unit"``, ``"time"`` or ``"none"``.
    bias_correction
        ``"lee-yu"`` corrects the O(1/N) bias of the two-way fixed-effects estimates (Lee and Yu 2010), as in
        :class:`~spillover.SpatialPanelModel`.
    draws, seed
        Parameter draws of the effects' standard errors, and their seed.
    """
    check_option(fixed_effects, FixedEffects, "fixed_effects", error=ModelError)
    check_int(draws, "draws", minimum=2, error=ModelError)
    check_seed(seed, error=ModelError)
    controls = tuple([controls] if isinstance(controls, str) else controls)
    check_columns(panel, [y, *controls], "column")
    treat_matrix(panel, treat)
    res = SpatialPanelModel(
        panel,
        y,
        [treat, *controls],
        w,
        kind="sdm",
        fixed_effects=fixed_effects,
        bias_correction=bias_correction,
    ).fit()
    imp = res.impacts(draws=draws, seed=seed).xs(treat, level="variable")
    effects = imp.loc[list(SDM_ROWS), [*COLUMNS, P_SIM]]
    effects["role"] = list(SDM_ROWS)
    effects.index = pd.Index(list(SDM_ROWS.values()), name="effect")
    return SdmDiDResult(res, treat, int(draws), int(seed), effects)
