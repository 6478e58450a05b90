"""Specification search for spatial panels in one call (Elhorst 2010; 2014, sections 2.7 and 3.6).

:func:`specification` runs the sequence regional studies report and returns a
:class:`SpecificationResult` with one table and the model the evidence supports:

1. LM and robust LM tests for a spatial lag and a spatial error on the non-spatial model with the chosen
   fixed effects (and LM SARMA);
2. LR tests of the joint significance of the unit and time fixed effects (on the non-spatial model);
3. the SDM with the chosen fixed effects, and the SAR and SEM it nests: Wald and LR tests of SDM -> SAR
   (theta = 0) and SDM -> SEM (theta + rho beta = 0);
4. the Hausman test of unit fixed against random effects (SAR).

Decision rule (Elhorst 2010, 2014): if the (robust) LM tests point to a spatial lag and both the Wald and LR
test of theta = 0 do not reject, the SAR describes the data best; if they point to a spatial error and both
tests of the common-factor restriction do not reject, the SEM; if both restrictions are rejected, or the
non-rejected restriction contradicts the LM tests, the SDM (it generalises both and gives unbiased
estimates whichever of them is true).  If no LM test rejects, the non-spatial model (or the SLX if the W X
terms matter) is enough.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from spillover._readonly import ReadOnly
from spillover.errors import ModelError, SmallSampleBiasWarning
from spillover.options import check_option, check_probability, renamed
from spillover.spatial.lmtests import hausman, lm_tests, lr_fixed_effects
from spillover.spatial.model import FixedEffects, SpatialPanelModel
from spillover.spatial.testresult import TestResult
from spillover.spatial.wald import lr_test, wald_test
from spillover.summary import Summary

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel
    from spillover.spatial.results import SpatialPanelResults

__all__ = ["SpecificationResult", "specification"]


@dataclass(frozen=True)
class SpecificationResult(ReadOnly):
    """Outcome of :func:`specification`: the tests, the fitted SDM/SAR/SEM and the supported model."""

    tests: tuple[TestResult, ...]
    stages: tuple[str, ...]
    chosen: str
    reason: str
    fixed_effects: str
    alpha: float
    models: dict[str, SpatialPanelResults] = field(repr=False, compare=False)

    @property
    def level(self) -> float:
        """The significance level of the decisions (the old name of :attr:`alpha`)."""
        return self.alpha

    def to_frame(self) -> pd.DataFrame:
        """One row per test: stage, statistic, df, p-value, reject at ``level``, null hypothesis, note."""
        rows = [
            {"stage": s, **t.to_dict(), "reject": t.pvalue < self.level}
            for s, t in zip(self.stages, self.tests)
        ]
        order = ["stage", "test", "statistic", "df", "p_value", "reject", "null", "note"]
        return pd.DataFrame(rows, columns=order).set_index(["stage", "test"])

    def summary(self) -> Summary:
        """The tests, stage by stage, and the conclusion in Elhorst's terms (notes)."""
        lines = []
        for s, t in zip(self.stages, self.tests):
            mark = "reject" if t.pvalue < self.level else "-"
            lines.append(
                f"  {s:<14} {t.name:<22} {t.statistic:>12.3f}  df {t.df:<3} p = {t.pvalue:<10.4g} {mark}"
            )
            if t.note:
                lines.append(f"    note: {t.note}")
        lines.append(f"Supported model: {self.chosen.upper()}. {self.reason}")
        return Summary(
            f"Specification search ({self.fixed_effects} fixed effects, level {self.level:g})",
            notes="\n".join(lines),
        )

    def __str__(self) -> str:
        return str(self.summary())


@renamed(level="alpha")
def specification(
    panel: SpatialPanel,
    y: str,
    x: Sequence[str] | str,
    w: Any,
    *,
    fixed_effects: FixedEffects = "twoway",
    alpha: float = 0.05,
    hausman_test: bool = True,
) -> SpecificationResult:
    """Run the specification sequence of Elhorst (2010, 2014) and say which model the evidence supports.

    Parameters
    ----------
    panel, y, x, w
        As in :class:`~spillover.spatial.model.SpatialPanelModel`.
    fixed_effects
        Effects of the non-spatial and spatial models (``"none"``, ``"unit"``, ``"time"``, ``"twoway"``).
    alpha
        Significance level of the decisions.
    hausman_test
        Include the Hausman test of unit fixed vs random effects (needs T >= 2 and row-standardised W).

    Returns
    -------
    SpecificationResult
        ``to_frame()``, ``summary()``, ``chosen`` (``"sdm"``, ``"sar"``, ``"sem"`` or ``"none"``),
        ``reason``, and the fitted ``models`` (``"sdm"``, ``"sar"``, ``"sem"``).
    """
    check_option(fixed_effects, FixedEffects, "fixed_effects", error=ModelError)
    check_probability(alpha, "alpha", error=ModelError)
    stages: list[str] = []
    tests: list[TestResult] = []

    def add(stage: str, *found: TestResult) -> None:
        stages.extend([stage] * len(found))
        tests.extend(found)

    lm = lm_tests(panel, y, x, w, fixed_effects=fixed_effects)
    add("LM (non-spatial)", *lm.tests)
    add("fixed effects", *lr_fixed_effects(panel, y, x))
    with warnings.catch_warnings():  # the three fits' small-N warnings would repeat one another
        warnings.simplefilter("ignore", SmallSampleBiasWarning)
        models = {
            k: SpatialPanelModel(panel, y, x, w, kind=k, fixed_effects=fixed_effects).fit()
            for k in ("sdm", "sar", "sem")
        }
    sdm = models["sdm"]
    w_sar, w_sem = wald_test(sdm, "sar"), wald_test(sdm, "sem")
    l_sar, l_sem = lr_test(models["sar"], sdm), lr_test(models["sem"], sdm)
    add("SDM -> SAR", w_sar, l_sar)
    add("SDM -> SEM", w_sem, l_sem)
    if hausman_test and panel.n_periods >= 2:
        add("FE vs RE", hausman(panel, y, x, w, kind="sar"))
    chosen, reason = _decide(lm, w_sar, l_sar, w_sem, l_sem, alpha)
    return SpecificationResult(tuple(tests), tuple(stages), chosen, reason, fixed_effects, alpha, models)


def _decide(
    lm: Any, w_sar: TestResult, l_sar: TestResult, w_sem: TestResult, l_sem: TestResult, level: float
) -> tuple[str, str]:
    """Elhorst's (2010, 2014) decision between SDM, SAR and SEM."""
    lag_lm = lm.robust_lm_lag.pvalue < level
    err_lm = lm.robust_lm_error.pvalue < level
    any_lm = min(t.pvalue for t in lm.tests) < level
    keep_sar = w_sar.pvalue >= level and l_sar.pvalue >= level
    keep_sem = w_sem.pvalue >= level and l_sem.pvalue >= level
    if not any_lm and keep_sar and keep_sem:
        return "none", (
            "No LM test rejects and neither restriction of the SDM is rejected: the "
            "non-spatial model with these fixed effects is not contradicted (consider the SLX if "
            "W X matters)."
        )
    if keep_sar and not keep_sem and (lag_lm or not err_lm):
        return "sar", (
            "theta = 0 is not rejected (Wald and LR), theta + rho beta = 0 is, and the robust LM "
            "tests do not point to a spatial error: the SDM simplifies to the SAR (Elhorst 2014)."
        )
    if keep_sem and not keep_sar and (err_lm or not lag_lm):
        return "sem", (
            "the common-factor restriction theta + rho beta = 0 is not rejected (Wald and LR), "
            "theta = 0 is, and the robust LM tests do not point to a spatial lag: the SDM "
            "simplifies to the SEM (Elhorst 2014)."
        )
    if not keep_sar and not keep_sem:
        return "sdm", (
            "both theta = 0 and theta + rho beta = 0 are rejected (Wald and LR): the SDM "
            "describes the data best; neither the SAR nor the SEM is an admissible simplification."
        )
    return "sdm", (
        "the tests disagree (a restriction that is not rejected contradicts the robust LM tests, "
        "or both are not rejected): Elhorst (2010) recommends the SDM, which nests both and gives "
        "unbiased estimates whichever is true."
    )
