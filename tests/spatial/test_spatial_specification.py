"""Specification search in one call (Elhorst 2010, 2014) on the cigarette panel; the decision rule.

Provenance: every number in the table must equal the corresponding stand-alone test of spillover run in the
test (lm_tests, lr_fixed_effects, wald_test, lr_test, hausman), whose own references are in
tests/spatial/test_lmtests.py and tests/spatial/test_spatial_model.py; the LR tests of the fixed effects reproduce Elhorst
(2014, section 3.6.2): 2315.7 (46 df) and 473.1 (30 df).  The decision rule is checked case by case with
constructed test results.
"""

from __future__ import annotations

import pytest

from spillover.errors import ModelError
from spillover.spatial import SpecificationResult, specification
from spillover.spatial.lmtests import lm_tests
from spillover.spatial.specification import _decide
from spillover.spatial.testresult import TestResult
from spillover.spatial.wald import lr_test, wald_test


@pytest.fixture(scope="module")
def spec(cigar_panel, cigar_w) -> SpecificationResult:
    return specification(cigar_panel, "logc", ["logp", "logy"], cigar_w, fixed_effects="twoway")


def test_table_collects_the_stand_alone_tests(spec, cigar_panel, cigar_w):
    frame = spec.to_frame()
    lm = lm_tests(cigar_panel, "logc", ["logp", "logy"], cigar_w, fixed_effects="twoway")
    assert frame.loc[("LM (non-spatial)", "robust LM error"), "statistic"] == lm.robust_lm_error.statistic
    sdm, sar, sem = (spec.models[k] for k in ("sdm", "sar", "sem"))
    assert frame.loc[("SDM -> SAR", "Wald SDM vs SAR"), "statistic"] == wald_test(sdm, "sar").statistic
    assert frame.loc[("SDM -> SEM", "LR SDM vs SEM"), "statistic"] == lr_test(sem, sdm).statistic
    assert frame.loc[("SDM -> SAR", "LR SDM vs SAR"), "statistic"] == lr_test(sar, sdm).statistic
    lr = frame.xs("fixed effects")["statistic"]
    assert lr["LR spatial fixed effects"] == pytest.approx(2315.7, abs=0.05)
    assert lr["LR time fixed effects"] == pytest.approx(473.1, abs=0.05)
    assert "FE vs RE" in frame.index.get_level_values("stage")
    # Elhorst (2014, section 3.6.2) adopts the two-way SDM for these data: both restrictions rejected
    assert spec.chosen == "sdm" and "both" in spec.reason
    text = str(spec.summary())
    assert "Supported model: SDM" in text and "Wald SDM vs SEM" in text


def _t(p: float, name: str = "t") -> TestResult:
    return TestResult(name, 1.0, 1, p, "h0")


class _LM:
    def __init__(self, lag: float, err: float, rlag: float, rerr: float) -> None:
        self.robust_lm_lag, self.robust_lm_error = _t(rlag), _t(rerr)
        self.tests = (_t(lag), _t(err), self.robust_lm_lag, self.robust_lm_error)


@pytest.mark.parametrize(
    ("lm", "sar_p", "sem_p", "chosen"),
    [
        (_LM(0.001, 0.001, 0.01, 0.5), 0.4, 0.001, "sar"),  # theta = 0 holds, robust LM points to the lag
        (
            _LM(0.001, 0.001, 0.5, 0.01),
            0.001,
            0.4,
            "sem",
        ),  # common factor holds, robust LM points to the error
        (_LM(0.001, 0.001, 0.01, 0.01), 0.001, 0.001, "sdm"),  # both rejected
        (_LM(0.001, 0.001, 0.5, 0.01), 0.4, 0.001, "sdm"),  # theta = 0 holds but LM points to the error
        (_LM(0.5, 0.5, 0.5, 0.5), 0.4, 0.4, "none"),  # nothing spatial
    ],
)
def test_decision_rule(lm, sar_p, sem_p, chosen):
    got, reason = _decide(lm, _t(sar_p), _t(sar_p), _t(sem_p), _t(sem_p), 0.05)
    assert got == chosen and reason


def test_bad_alpha_is_refused(cigar_panel, cigar_w):
    with pytest.raises(ModelError, match="alpha"):
        specification(cigar_panel, "logc", ["logp", "logy"], cigar_w, alpha=5)
