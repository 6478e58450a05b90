"""One option vocabulary and one toolkit to check options, warn and report progress (foundation layer).

Every module takes its choices from the ``Literal`` aliases defined here (the study schema too), checks
its arguments with the few checkers below, warns with :func:`warn` (which points at the user's line) and
reports progress through :func:`progress_bar`.  ``docs/conventions.md`` lists the names.

Examples
--------
>>> check_option("vrs", RTS, "rts")
>>> check_int(999, "draws", minimum=2)
>>> check_probability(0.05, "alpha")
>>> check_int(True, "draws")
Traceback (most recent call last):
...
spillover.errors.SpilloverError: draws must be an integer >= 1, got True.
"""

from __future__ import annotations

import functools
import math
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, ParamSpec, TypeVar

import numpy as np

from spillover.errors import SpilloverError, check_option, user_stacklevel

__all__ = [
    # option aliases
    "FixedEffects",
    "Effects",
    "Kind",
    "SpatialMethod",
    "LogDet",
    "Engine",
    "Estimator",
    "BiasCorrection",
    "RTS",
    "Orientation",
    "Slacks",
    "DEAMethod",
    "SBMOrientation",
    "Frontier",
    "DirectionPreset",
    "Backend",
    "ResampleBackend",
    "CiMethod",
    "Inference",
    "StandardErrors",
    "ConleyKernel",
    "MediationPath",
    "HausmanKind",
    "HausmanVariance",
    "DfConvention",
    "Language",
    "MapLanguage",
    # checks
    "check_option",
    "check_int",
    "check_number",
    "check_probability",
    "check_seed",
    "choices",
    # warnings and renamed arguments
    "warn",
    "renamed",
    # progress
    "ProgressFn",
    "Progress",
    "progress_bar",
    "track",
    "is_terminal",
]

P = ParamSpec("P")
R = TypeVar("R")

# ---------------------------------------------------------------------------------------------- options
FixedEffects = Literal["none", "unit", "time", "twoway"]
"""Fixed effects absorbed by a panel model (``fixed_effects=``)."""
Effects = Literal["none", "unit", "time", "twoway", "random"]
"""The spatial models' ``fixed_effects=``: the fixed effects, or ``"random"`` for random effects."""
Kind = Literal["sar", "sem", "sdm", "slx", "sdem", "sac", "gns"]
"""Spatial model kinds (``kind=``)."""
SpatialMethod = Literal["auto", "dense", "sparse"]
"""Which computational path the spatial models take (``method=``): dense eigenvalues or sparse matrices."""
LogDet = Literal["auto", "exact", "chebyshev", "lanczos"]
"""How the spatial models evaluate ``ln|I - rho W|`` (``logdet=``): exactly (eigenvalues or sparse LU), by
the Chebyshev approximation of Pace and LeSage (2004) or by stochastic Lanczos quadrature; ``"auto"`` is exact up
to 100,000 regions."""
Engine = Literal["native", "spreg"]
Estimator = Literal["ml", "gm", "gm-het"]
"""Who maximises the likelihood: spillover's own code or spreg (see :mod:`spillover.spatial._spreg`)."""
BiasCorrection = Literal["none", "lee-yu"]
HausmanKind = Literal["sar", "sem"]
HausmanVariance = Literal["difference", "fe"]
DfConvention = Literal["elhorst", "restrictions"]

RTS = Literal["crs", "vrs", "nirs", "ndrs"]
"""Returns to scale of a DEA frontier (``rts=``)."""
Orientation = Literal["input", "output"]
"""DEA orientation (``orientation=``)."""
SBMOrientation = Literal["non", "input", "output"]
Slacks = Literal["multi-stage", "two-stage", "two-stage-normalised", "none"]
DEAMethod = Literal["fast", "plain"]
Frontier = Literal["adjacent", "sequential", "global"]
DirectionPreset = Literal["proportional", "outputs", "desirable", "inputs"]
Backend = Literal["auto", "serial", "processes", "dask"]
ResampleBackend = Literal["serial", "processes", "dask"]
"""Where resampling draws run (``backend=`` of bootstraps, permutations, placebo and impact draws):
a loop, a process pool or Dask (:mod:`spillover._parallel`); the results are identical on all three."""

CiMethod = Literal["bc", "percentile"]
Inference = Literal["cluster", "wild"]
"""Analytic CR1 p-values, or wild cluster bootstrap p-values (``inference=``)."""
StandardErrors = Literal["cluster", "conley"]
"""Panel-model standard errors (``se=``): as ``cluster=`` says (CR1, or iid with None), or Conley spatial HAC."""
ConleyKernel = Literal["bartlett", "uniform"]
"""Distance kernel of the Conley covariance (``kernel=``): linear decay to 0 at the cutoff, or constant."""
MediationPath = Literal["a", "b", "both"]
Language = Literal["en", "zh"]
"""Language of reports and tables (``language=``, ``[report] language``): the headings, table headers and
notes spillover writes; variables keep their names (:mod:`spillover._labels` holds the translations)."""
MapLanguage = Literal["auto", "zh", "en"]
"""Language of a map's region labels (``language=`` in :mod:`spillover.maps`): ``"auto"`` writes China's
provinces in Chinese when a CJK font is installed, other regions as they are named in the data."""


def choices(options: Any) -> list[Any]:
    """The choices of a ``Literal`` alias (or of a plain sequence), in order: what schemas and GUIs list.

    Examples
    --------
    >>> choices(FixedEffects)
    ['none', 'unit', 'time', 'twoway']
    """
    from typing import get_args

    return list(get_args(options) or options)


# ----------------------------------------------------------------------------------------------- checks
def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def check_int(
    value: object,
    name: str,
    *,
    minimum: int = 1,
    maximum: int | None = None,
    error: type[SpilloverError] = SpilloverError,
    hint: str = "",
) -> None:
    """Raise ``error`` unless ``value`` is an integer (not a bool) in ``[minimum, maximum]``.

    The one checker of counts: ``draws``, ``permutations``, ``k``, ``n_jobs``...
    """
    if not _is_int(value) or value < minimum or (maximum is not None and value > maximum):  # type: ignore[operator]
        bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise error(f"{name} must be an integer {bound}{hint}, got {value!r}.")


def check_number(
    value: object,
    name: str,
    *,
    minimum: float = -math.inf,
    maximum: float = math.inf,
    strict: bool = False,
    error: type[SpilloverError] = SpilloverError,
    hint: str = "",
) -> None:
    """Raise ``error`` unless ``value`` is a finite real number (not a bool) within the bounds.

    ``strict=True`` excludes the bounds themselves.

    Examples
    --------
    >>> check_number(-1, "band", minimum=0, strict=True, hint=" (a distance in km)")
    Traceback (most recent call last):
    ...
    spillover.errors.SpilloverError: band must be a finite number > 0 (a distance in km), got -1.
    """
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)
    if ok:
        v = float(value)  # type: ignore[arg-type]
        ok = math.isfinite(v) and (minimum < v < maximum if strict else minimum <= v <= maximum)
    if not ok:
        raise error(f"{name} must be a finite number{_bound(minimum, maximum, strict)}{hint}, got {value!r}.")


def _bound(minimum: float, maximum: float, strict: bool) -> str:
    """`` >= 0``, `` < 1`` or `` in [0, 1]``: the range of :func:`check_number` as the message says it."""
    if maximum == math.inf:
        return "" if minimum == -math.inf else f" {'>' if strict else '>='} {minimum:g}"
    if minimum == -math.inf:
        return f" {'<' if strict else '<='} {maximum:g}"
    lo, hi = ("(", ")") if strict else ("[", "]")
    return f" in {lo}{minimum:g}, {maximum:g}{hi}"


def check_probability(value: object, name: str, *, error: type[SpilloverError] = SpilloverError) -> None:
    """Raise ``error`` unless ``value`` lies strictly between 0 and 1 (``alpha``, a confidence ``level``).

    Examples
    --------
    >>> check_probability(1.5, "alpha")
    Traceback (most recent call last):
    ...
    spillover.errors.SpilloverError: alpha must lie strictly between 0 and 1, got 1.5.
    """
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)
    if not ok or not 0 < float(value) < 1:  # type: ignore[arg-type]
        raise error(f"{name} must lie strictly between 0 and 1, got {value!r}.")


def check_seed(seed: object, *, error: type[SpilloverError] = SpilloverError) -> None:
    """Raise ``error`` unless ``seed`` is None, a non-negative integer or a ``numpy.random.Generator``."""
    if seed is None or isinstance(seed, np.random.Generator | np.random.SeedSequence):
        return
    if not _is_int(seed) or seed < 0:  # type: ignore[operator]
        raise error(f"seed must be None or a non-negative integer (e.g. seed=0), got {seed!r}.")


# ------------------------------------------------------------------------------------- warnings, renames
def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """Issue a warning that points at the user's line (the first caller outside spillover)."""
    warnings.warn(message, category, stacklevel=user_stacklevel())


def renamed(**old_to_new: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep renamed keyword arguments working for one release, with a FutureWarning naming the new name.

    Examples
    --------
    >>> @renamed(n_boot="draws")
    ... def f(*, draws: int = 1) -> int:
    ...     return draws
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     f(n_boot=3), str(w[0].message)
    (3, 'f(n_boot=...) is deprecated and will be removed in the next release; use draws=... instead.')
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{func.__name__}() got both {old}= (the old name) and {new}=; pass only {new}=."
                        )
                    warn(
                        f"{func.__name__}({old}=...) is deprecated and will be removed in the next release; "
                        f"use {new}=... instead.",
                        FutureWarning,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorate


# --------------------------------------------------------------------------------------------- progress
ProgressFn = Callable[[int, int], None]
"""A progress reporter: called as ``update(done, total)``."""
Progress = bool | ProgressFn | None
"""What every ``progress=`` accepts: False/None (nothing, the API default), True (a rich bar on stderr)
or a callable ``update(done, total)`` (QGIS feedback, a notebook widget...)."""


def _nothing(done: int, total: int) -> None:
    """A reporter that shows nothing."""


@contextmanager
def progress_bar(progress: Progress, total: int, label: str) -> Iterator[ProgressFn]:
    """The one progress mechanism: yields ``update(done, total)``.

    ``progress`` is the user's callable (used as is), ``True`` (a transient rich bar on stderr) or
    ``False``/``None`` (nothing).
    """
    if callable(progress):
        yield progress
        return
    if not progress:
        yield _nothing
        return
    from rich.console import Console
    from rich.progress import Progress as RichProgress

    with RichProgress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done, tot: bar.update(task, completed=done, total=tot)


def track(iterable: Iterable[R], total: int, progress: Progress, label: str) -> Iterator[R]:
    """Iterate while reporting through :func:`progress_bar` after each item."""
    with progress_bar(progress, total, label) as update:
        for done, item in enumerate(iterable, 1):
            yield item
            update(done, total)


def is_terminal(stream: Any = None) -> bool:
    """Whether ``stream`` (stderr by default) is a terminal, where the command line shows rich output."""
    out = stream if stream is not None else sys.stderr
    return bool(getattr(out, "isatty", lambda: False)())
