"""Interaction terms ``"x:z"`` of the spatial models and the effects of ``x`` at given values of ``z``.

A regressor named ``"x:z"`` is the product of the panel's columns ``x`` and ``z``, built at the boundary
(:func:`stacked`); in Durbin models its spatial lag enters as ``"W*x:z"`` like any other Durbin term.  The
main effects are **not** added: list ``"x"`` and ``"z"`` yourself (leaving one out restricts its
coefficient to zero, which is rarely wanted).

With ``y = rho W y + beta_x x + beta_z z + beta_xz x z + W(theta_x x + theta_xz x z) + ...`` the marginal
effect of ``x`` at ``z = v`` has the coefficients ``b(v) = beta_x + beta_xz v`` and ``t(v) = theta_x +
theta_xz v`` (a missing term counts as zero), so the effects matrix is ``S(v) = (I - rho W)^-1 (b(v) I +
t(v) W)`` and LeSage and Pace's averages apply unchanged.  :func:`moderated` builds those coefficients as a
linear map ``L`` of the estimates (``L theta``, covariance ``L V L'``) and hands a results object with
``x_names`` = the main variables to the existing impacts (static, dynamic short/long run, any W, any
``durbin=`` subset), so the simulated intervals are the same machinery: draws of ``L theta`` from
``N(L theta_hat, L V L')`` are distributed as ``L`` times draws of ``theta``.  ``z``'s own effect is
moderated by ``x`` the same way (evaluated at ``x``'s mean unless ``at`` gives ``x``).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spillover.errors import ModelError, format_items

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel
    from spillover.spatial.results import SpatialPanelResults

__all__ = ["SEPARATOR", "QUANTILES", "factors", "check_interactions", "stacked", "attach", "impacts_at"]

#: separator of the factors in an interaction's name
SEPARATOR = ":"
#: quantiles of the moderator that ``at={"z": "quantiles"}`` evaluates the effects at
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def factors(name: str) -> tuple[str, str] | None:
    """``("x", "z")`` for an interaction name ``"x:z"``, None for a plain regressor."""
    if SEPARATOR not in str(name):
        return None
    parts = str(name).split(SEPARATOR)
    if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
        raise ModelError(
            f"{name!r} is not an interaction of two different columns: write 'x:z' with two column "
            "names (products of three variables or squares: add the column to the panel with "
            "panel.with_data)."
        )
    return parts[0], parts[1]


def check_interactions(panel: SpatialPanel, x: Sequence[str]) -> None:
    """Refuse an interaction whose factors are not columns of the panel (naming them)."""
    have = set(panel.variables)
    for name in x:
        pair = factors(name)
        if pair is None:
            continue
        missing = [f for f in pair if f not in have]
        if missing:
            raise ModelError(
                f"the interaction {name!r} multiplies columns {format_items(missing)}, which the panel "
                f"does not have; its columns are {format_items(sorted(have, key=str))}."
            )


def stacked(panel: SpatialPanel, name: str) -> np.ndarray:
    """Column ``name`` period-major (``panel.stacked``); an interaction ``"x:z"`` as the product x*z."""
    pair = factors(name)
    if pair is None:
        return panel.stacked(name)
    return panel.stacked(pair[0]) * panel.stacked(pair[1])


def attach(res: SpatialPanelResults, panel: SpatialPanel, x: Sequence[str]) -> SpatialPanelResults:
    """The results with the raw values of the interactions' factors (for the default ``at``: the means)."""
    names = {f for name in x if (pair := factors(name)) for f in pair}
    if not names:
        return res
    lost = panel.n_periods * panel.n_regions - len(res._core.y)  # the dynamic models lose the first period
    data = {f: panel.stacked(f)[lost:] for f in sorted(names)}
    return dataclasses.replace(res, _moderators=data)


def has_interactions(res: SpatialPanelResults) -> bool:
    """Whether a fitted model has interaction terms."""
    return any(factors(v) for v in res.x_names)


def impacts_at(
    res: SpatialPanelResults,
    at: Mapping[str, Any] | None,
    compute: Callable[[SpatialPanelResults], pd.DataFrame],
) -> pd.DataFrame:
    """Effects of the main variables at the moderator values ``at`` (one block per combination).

    ``compute(r)`` gives the impacts of a results object without interactions (the caller's own method:
    static or dynamic, short or long run, with its draws and seed).  Scalars in ``at`` (or the default,
    the means) give the usual (effect, variable) table; a list or ``"quantiles"`` gives one block per value,
    indexed by ``at`` first.
    """
    grid, several = _grid(res, at)
    frames = [compute(moderated(res, values)) for values in grid]
    shown = [k for k in grid[0] if at and k in at] or list(grid[0])  # the block labels name what at= gave
    labels = [", ".join(f"{k}={values[k]:.6g}" for k in shown) for values in grid]
    out = pd.concat(frames, keys=labels, names=["at", *frames[0].index.names]) if several else frames[0]
    out.attrs = dict(frames[0].attrs)
    out.attrs["at"] = [dict(values) for values in grid]
    return out


def _grid(res: SpatialPanelResults, at: Mapping[str, Any] | None) -> tuple[list[dict[str, float]], bool]:
    data: Mapping[str, np.ndarray] = res._moderators or {}
    if not has_interactions(res):
        raise ModelError(
            "at= gives values of the moderators of interaction terms ('x:z'); this model has none. Add "
            "an interaction to x, e.g. x=['x', 'z', 'x:z'], or call impacts() without at=."
        )
    if at is None:
        at = {}
    if not isinstance(at, Mapping):
        raise ModelError(f"at must be a dict {{moderator: value(s)}}, e.g. {{'z': 1.0}}; got {at!r}.")
    unknown = [k for k in at if k not in data]
    if unknown:
        raise ModelError(
            f"at= names {format_items(unknown)}, which no interaction of this model contains; its moderators "
            f"are {format_items(list(data))}."
        )
    several = False
    choices: dict[str, list[float]] = {}
    for name, values in data.items():
        given = at.get(name)
        if given is None:
            choices[name] = [float(np.mean(values))]
        elif isinstance(given, str):
            if given != "quantiles":
                raise ModelError(
                    f"at[{name!r}] must be a number, a list of numbers or 'quantiles'; got {given!r}."
                )
            choices[name] = [float(q) for q in np.quantile(values, QUANTILES)]
            several = True
        elif np.ndim(given) == 0:
            choices[name] = [_finite(given, name)]
        else:
            choices[name] = [_finite(v, name) for v in given]
            if not choices[name]:
                raise ModelError(f"at[{name!r}] is an empty list; give at least one value.")
            several = True
    keys = list(choices)
    grid = [dict(zip(keys, combo)) for combo in itertools.product(*(choices[k] for k in keys))]
    return grid, several


def _finite(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"at[{name!r}] must be numbers; got {value!r}.") from None
    if not np.isfinite(out):
        raise ModelError(f"at[{name!r}] must be finite numbers; got {value!r}.")
    return out


def moderated(res: SpatialPanelResults, values: Mapping[str, float]) -> SpatialPanelResults:
    """Results whose regressors are the main variables, with coefficients ``beta_x + beta_x:z * z`` (and the
    same for the ``W*`` terms) at the moderator ``values``: a linear map of the estimates and covariance."""
    names = list(res.params.index)
    xs = list(res.x_names)
    durbin = set(res.durbin)
    inter = {v: p for v in xs if (p := factors(v))}
    main = [v for v in xs if v not in inter]
    main += [f for p in inter.values() for f in p if f not in main]
    main = list(dict.fromkeys(main))
    regressor_rows = set(xs) | {f"W*{v}" for v in durbin}
    new_durbin = [v for v in main if v in durbin or any(v in p and k in durbin for k, p in inter.items())]
    block = main + [f"W*{v}" for v in new_durbin]
    first = next(i for i, nm in enumerate(names) if nm in regressor_rows)
    others = [nm for nm in names if nm not in regressor_rows]
    out_names = others[:first] + block + others[first:]
    pos = {nm: i for i, nm in enumerate(names)}
    lmat = np.zeros((len(out_names), len(names)))
    for r, nm in enumerate(out_names):
        if nm in pos:  # the interactions and their lags are not among the rows: they map onto factors
            lmat[r, pos[nm]] = 1.0
    row = {nm: r for r, nm in enumerate(out_names)}
    for name, (a, b) in inter.items():
        for own, partner in ((a, b), (b, a)):
            lmat[row[own], pos[name]] += values[partner]
            if name in durbin:
                lmat[row[f"W*{own}"], pos[f"W*{name}"]] += values[partner]
    params = pd.Series(lmat @ res.params.to_numpy(), index=out_names, name="params")
    cov = lmat @ res.cov.to_numpy() @ lmat.T
    return dataclasses.replace(
        res,
        params=params,
        cov=pd.DataFrame(cov, index=out_names, columns=out_names),
        x_names=main,
        durbin=new_durbin,
        _moderators=None,
    )
