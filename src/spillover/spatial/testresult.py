"""Test statistics as small value objects, shared by every specification test in spillover.spatial."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.options import renamed
from spillover.summary import Summary

__all__ = ["TestResult", "results_frame"]


@dataclass(frozen=True)
class TestResult(ReadOnly):
    """A test statistic with its distribution under the null.

    Attributes
    ----------
    name
        Short name of the test, e.g. ``"LM lag"``.
    statistic
        Value of the test statistic (chi-squared under the null).
    df
        Degrees of freedom of the chi-squared reference distribution.
    pvalue
        Upper-tail probability of ``statistic`` under chi2(df).
    null
        The null hypothesis, in words.
    note
        Anything the reader must know to interpret the number (e.g. a generalised inverse was used).
    details
        Optional table behind the statistic (for the Hausman test: the compared estimates).

    Examples
    --------
    >>> r = TestResult.from_chi2("LM lag", 3.84, 1, "rho = 0")
    >>> print(r)
    LM lag = 3.8400, df = 1, p = 0.0500 (H0: rho = 0)
    >>> r.reject(0.1)
    True
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    statistic: float
    df: int
    pvalue: float
    null: str
    note: str = ""
    details: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_chi2(
        cls,
        name: str,
        statistic: float,
        df: int,
        null: str,
        *,
        note: str = "",
        details: pd.DataFrame | None = None,
    ) -> TestResult:
        """Build a result whose p-value is the chi2(df) upper tail of ``statistic``."""
        statistic = float(statistic)
        return cls(name, statistic, int(df), float(stats.chi2.sf(statistic, df)), null, note, details)

    @renamed(level="alpha")
    def reject(self, alpha: float = 0.05) -> bool:
        """Whether the null is rejected at significance level ``alpha``."""
        return bool(self.pvalue < alpha)

    def to_dict(self) -> dict[str, object]:
        """The test as one table row: test, statistic, df, p_value, null and note.

        Every table of test results is built from these rows, so none shows a number without its note
        (e.g. a negative Hausman statistic, whose p-value of 1 says nothing).

        Examples
        --------
        >>> TestResult.from_chi2("H", -2.0, 1, "RE", note="not informative").to_dict()["note"]
        'not informative'
        """
        return {
            "test": self.name,
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.pvalue,
            "null": self.null,
            "note": self.note,
        }

    def summary(self) -> Summary:
        """The test as a one-row table (:meth:`to_dict`), the compared estimates of :attr:`details` under it."""
        row = pd.DataFrame([self.to_dict()]).set_index("test")
        tables = (row,) if self.details is None else (row, self.details)
        return Summary(self.name, tables, captions=("", "Details") if self.details is not None else ())

    def __str__(self) -> str:
        text = f"{self.name} = {self.statistic:.4f}, df = {self.df}, p = {self.pvalue:.4f} (H0: {self.null})"
        return text + (f"\n  note: {self.note}" if self.note else "")


def results_frame(tests: Iterable[TestResult]) -> pd.DataFrame:
    """One row per test (indexed by its name): statistic, df, p_value, null, note (:meth:`TestResult.to_dict`)."""
    frame = pd.DataFrame(
        [t.to_dict() for t in tests], columns=["test", "statistic", "df", "p_value", "null", "note"]
    )
    return frame.set_index("test")
