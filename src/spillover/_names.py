"""The labels spillover's models give their estimates beside the user's variable names, and the one check
that keeps the two apart (foundation layer: every model family calls it).

A regressor named like a generated label would give two rows with one label (``"const"`` beside the
generated constant), overwrite a row of ``to_frame()`` (``"sigma2"``) or land on the wrong row of a paper
table that mixes models (a fixed-effects regressor ``"rho"`` beside an SDM's rho).
"""

from __future__ import annotations

from collections.abc import Iterable

from spillover.errors import ModelError, format_items

__all__ = ["RESERVED_NAMES", "LAG_PREFIX", "INTERACTION_NAMES", "time_lag", "check_reserved"]

#: labels the models generate: the constant, spatial parameters and variance terms
RESERVED_NAMES = ("const", "rho", "lambda", "sigma2", "phi")
#: prefix of the generated spatial lags of the regressors (``W*x``) and of the dependent variable
LAG_PREFIX = "W*"
#: interaction terms of moderated mediation (treatment x moderator, mediator x moderator)
INTERACTION_NAMES = ("x*w", "m*w")


def time_lag(y: str) -> str:
    """Label of the dynamic models' lagged dependent variable, ``y(t-1)``."""
    return f"{y}(t-1)"


def check_reserved(names: Iterable[str], y: str | None = None) -> None:
    """Raise :class:`~spillover.errors.ModelError` if a variable that gets a coefficient label clashes with a
    label the models generate (:data:`RESERVED_NAMES`, :data:`INTERACTION_NAMES`, ``W*<name>``, or
    ``<y>(t-1)`` when the dependent variable ``y`` is given).

    >>> check_reserved(["x1", "W_x1"], "y")
    >>> check_reserved(["x1", "const"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spillover.errors.ModelError: regressor name(s) 'const' clash with the labels spillover gives ...
    """
    names = list(names)
    lag = time_lag(y) if y is not None else None
    fixed = RESERVED_NAMES + INTERACTION_NAMES
    clash = [n for n in names if n in fixed or n == lag or str(n).startswith(LAG_PREFIX)]
    if clash:
        lag_label = repr(lag) if lag is not None else "'<y>(t-1)'"
        raise ModelError(
            f"regressor name(s) {format_items(clash)} clash with the labels spillover gives the estimates "
            f"({format_items(fixed)}, 'W*<name>' for spatial lags and {lag_label} for a time lag); rename "
            "the column(s), e.g. 'W_x1' for a precomputed lag or 'const_' for a constant."
        )
