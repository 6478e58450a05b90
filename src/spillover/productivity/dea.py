"""Data envelopment analysis (DEA) with DEAP 2.1's conventions, solved fast with a reusable HiGHS model.

Input-oriented envelopment LP for unit o (Charnes, Cooper and Rhodes 1978; Banker, Charnes and Cooper 1984)::

    min theta  s.t.  X lam <= theta x_o,  Y lam >= y_o,  lam >= 0,  sum(lam) in R

with R = [0, inf) (CRS), {1} (VRS), [0, 1] (NIRS), [1, inf) (NDRS).  Output orientation maximises phi subject
to ``X lam <= x_o, Y lam >= phi y_o`` and reports ``te = 1 / phi`` (<= 1), as DEAP does.

Slacks (Coelli 1996, 1998): ``"two-stage"`` maximises the sum of slacks at the radial projection, in the
data's own units as DEAP 2.1 does (so where slacks are not unique the answer depends on the units of
measurement); ``"two-stage-normalised"`` maximises the sum of slacks each divided by its variable's mean
(independent of the units of measurement); ``"multi-stage"`` (DEAP's default) replaces that by a sequence of
radial movements of only the variables that still have slack, so the projected point keeps a mix as close as
possible to the unit's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spillover._readonly import ReadOnly
from spillover.errors import DEAError, InfeasibleWarning, format_items
from spillover.options import RTS, Orientation, Slacks, check_option, warn
from spillover.options import DEAMethod as Method
from spillover.productivity import _common as C
from spillover.productivity import _engine as E
from spillover.productivity._validate import check_data, normaliser, paired_frames
from spillover.summary import Summary

__all__ = ["dea", "DEAResult", "RTS", "Orientation", "Slacks", "Method", "scale_label"]

NIRS_SUM_TOL = 1e-9  # sum(lambda) of a CRS optimum that still counts as <= 1 (NIRS feasible)
CONV_TOL = 1e-10  # a VRS convexity dual up to this share of the score still makes NIRS = VRS ("drs")
SCALE_TOL = 0.0005  # DEAP prints 3 decimals and labels "-" below half a unit of the last digit
_STATUS = {0: "optimal", 1: "infeasible", 2: "unbounded", 3: "failed"}


class UnitScores(ReadOnly):
    """What every per-unit productivity result shares: unit names and the count of failed LPs (its
    subclasses are frozen dataclasses with ``efficiency`` and ``status`` Series indexed by unit)."""

    efficiency: pd.Series
    status: pd.Series

    @property
    def names(self) -> pd.Index:
        """Unit names, in the order of the data."""
        return self.efficiency.index

    @property
    def n_infeasible(self) -> int:
        """Number of units whose LP had no optimal solution (their scores are NaN)."""
        return int((self.status != "optimal").sum())


@dataclass(frozen=True)
class DEAResult(UnitScores):
    """Result of :func:`dea` (read-only).

    Attributes
    ----------
    efficiency
        Technical efficiency (``theta``, or ``1/phi`` in output orientation); NaN where the LP is infeasible.
    input_slacks, output_slacks
        Slacks after the radial movement (DEAP's "slack movement", reported as positive numbers).
    peer_table
        Long frame ``unit, peer, weight`` of the non-zero lambdas.
    scale
        For VRS: ``crste``, ``vrste``, ``scale`` (= crste / vrste) and ``rts`` ("irs", "drs" or "-" as DEAP
        labels it); ``None`` otherwise.
    status
        "optimal", "infeasible", "unbounded" or "failed" per unit.
    """

    efficiency: pd.Series
    inputs: pd.DataFrame
    outputs: pd.DataFrame
    input_slacks: pd.DataFrame
    output_slacks: pd.DataFrame
    peer_table: pd.DataFrame
    status: pd.Series
    rts: str
    orientation: str
    slack_method: str
    reference_names: pd.Index
    scale: pd.DataFrame | None = None
    _phi: pd.Series | None = field(default=None, repr=False)

    @property
    def radial_factor(self) -> pd.Series:
        """The LP's radial factor: theta (input orientation) or phi = 1 / te (output orientation)."""
        return self.efficiency if self.orientation == "input" else 1.0 / self.efficiency

    @property
    def slacks(self) -> pd.DataFrame:
        """Input and output slacks side by side (columns keyed "input" / "output")."""
        return pd.concat({"input": self.input_slacks, "output": self.output_slacks}, axis=1)

    @property
    def input_targets(self) -> pd.DataFrame:
        """Projected inputs: radial movement (input orientation only) minus slacks."""
        radial = self.inputs.mul(self.efficiency, axis=0) if self.orientation == "input" else self.inputs
        return radial - self.input_slacks

    @property
    def output_targets(self) -> pd.DataFrame:
        """Projected outputs: radial movement (output orientation only) plus slacks."""
        output = self.orientation == "output"
        radial = self.outputs.mul(self.radial_factor, axis=0) if output else self.outputs
        return radial + self.output_slacks

    @property
    def targets(self) -> pd.DataFrame:
        """Input and output targets side by side (columns keyed "input" / "output")."""
        return pd.concat({"input": self.input_targets, "output": self.output_targets}, axis=1)

    @property
    def lambdas(self) -> pd.DataFrame:
        """Dense lambda matrix (units x reference units).  Prefer :attr:`peer_table` for large N."""
        out = pd.DataFrame(0.0, index=self.names, columns=self.reference_names)
        rows = self.names.get_indexer(self.peer_table["unit"])
        cols = self.reference_names.get_indexer(self.peer_table["peer"])
        values = out.to_numpy(copy=True)
        values[rows, cols] = self.peer_table["weight"].to_numpy()
        return pd.DataFrame(values, index=self.names, columns=self.reference_names)

    @property
    def peers(self) -> pd.Series:
        """Peers of each unit (tuple of names, in reference order)."""
        g = self.peer_table.groupby("unit", sort=False)["peer"].agg(tuple)
        return g.reindex(self.names).apply(lambda v: v if isinstance(v, tuple) else ()).rename("peers")

    @property
    def peer_weights(self) -> pd.Series:
        """Lambda weights of the peers (tuples, same order as :attr:`peers`)."""
        g = self.peer_table.groupby("unit", sort=False)["weight"].agg(tuple)
        return g.reindex(self.names).apply(lambda v: v if isinstance(v, tuple) else ()).rename("peer_weights")

    @property
    def peer_count(self) -> pd.Series:
        """How many times each reference unit is a peer of another unit (DEAP's "peer count")."""
        other = self.peer_table[self.peer_table["unit"] != self.peer_table["peer"]]
        return other["peer"].value_counts().reindex(self.reference_names, fill_value=0).rename("peer_count")

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: te (+ crste, vrste, scale, rts for VRS), slacks, targets and peers."""
        parts = [self.efficiency.rename("te").to_frame()]
        if self.scale is not None:
            parts.append(self.scale)
        parts += [
            self.input_slacks.add_prefix("slack_"),
            self.output_slacks.add_prefix("slack_"),
            self.input_targets.add_prefix("target_"),
            self.output_targets.add_prefix("target_"),
        ]
        frame = pd.concat(parts, axis=1)
        frame["peers"] = self.peers.apply(lambda t: " ".join(str(p) for p in t))
        frame["status"] = self.status
        return frame

    def summary(self) -> Summary:
        """Units, mean/min/max efficiency, efficient units, NaN scores (and the options used) in ``header``."""
        counts = ("units", "efficient", "nan")  # printed as whole numbers, not 43.0000
        stats = {k: int(v) if k in counts else v for k, v in C.describe(self.efficiency).items()}
        out = stats | {
            "rts": self.rts,
            "orientation": self.orientation,
            "slacks": self.slack_method,
        }
        return Summary("Data envelopment analysis (DEA) efficiency", header=out)

    def __repr__(self) -> str:
        return (
            f"DEAResult(rts={self.rts!r}, orientation={self.orientation!r}, units={len(self.names)}, "
            f"mean te={self.efficiency.mean():.4f}, infeasible={self.n_infeasible})"
        )


def dea(
    inputs: Any,
    outputs: Any,
    *,
    rts: RTS = "crs",
    orientation: Orientation = "input",
    slacks: Slacks = "multi-stage",
    names: Sequence[Any] | None = None,
    reference: tuple[Any, Any] | None = None,
    scale: bool | None = None,
    method: Method = "fast",
    backend: E.Backend = "auto",
    n_jobs: int | None = None,
    super: bool = False,
) -> DEAResult:
    """Data envelopment analysis, with DEAP 2.1's conventions.

    Parameters
    ----------
    inputs, outputs
        Tables (units x variables): DataFrame, Series or 2-D array; a DataFrame's index names the units.
        Values must be finite and non-negative, with at least one positive input and output per unit.
        Two labelled tables are paired by their index (outputs follow the order of the inputs; labels in
        only one of them are an error); a plain array is paired with the other table by row position.
    rts
        Returns to scale: ``"crs"``, ``"vrs"``, ``"nirs"`` or ``"ndrs"``.
    orientation
        ``"input"`` (min theta) or ``"output"`` (max phi, reported as te = 1/phi).
    slacks
        ``"multi-stage"`` (DEAP's default), ``"two-stage"`` (max sum of slacks in the data's units, as
        DEAP), ``"two-stage-normalised"`` (max sum of slacks each divided by its variable's mean: the same
        answer whatever the units of measurement) or ``"none"`` (scores only).  The two-stage variants
        differ only where the max-slack solution is not unique.
    names
        Unit names in the order of the rows of ``inputs`` (default: the index of ``inputs`` or 1..n).
    reference
        Optional ``(inputs, outputs)`` of a separate reference technology to evaluate the units against
        (e.g. another period's frontier); scores may then exceed 1 or the LP be infeasible (NaN + warning).
    scale
        Also compute CRS and NIRS scores for scale efficiency and DEAP's irs/drs labels (default: for VRS).
    method
        ``"fast"``: reduce the reference set to the frontier first and solve each unit by column generation
        over it (both exact, see ``_engine`` and ``_highs``); ``"plain"``: one LP per unit against every
        reference unit.
    backend, n_jobs
        ``"auto"`` (a process pool from 10,000 units when at least two cores are free, serial otherwise),
        ``"serial"``, ``"processes"`` (a process pool of ``n_jobs`` workers, default all cores) or ``"dask"``
        (the active ``dask.distributed`` Client, or dask's default scheduler; needs ``spillover[dask]``).
        Every backend gives the same results.
    super
        Andersen-Petersen (1993) super-efficiency (``superefficiency.py``): efficient units are re-scored
        against the other units (te >= 1; NaN with a warning where the LP is infeasible, as under VRS);
        inefficient units keep their score.  Slacks, peers and scale columns stay those of the ordinary model.

    Returns
    -------
    DEAResult

    Examples
    --------
    DEAP 2.1's example 1 (Coelli 1996): 5 firms, 1 output, 2 inputs, CRS, input orientation.

    >>> import pandas as pd
    >>> x = pd.DataFrame({"x1": [2, 2, 6, 3, 6], "x2": [5, 4, 6, 2, 2]}, index=[1, 2, 3, 4, 5])
    >>> y = pd.DataFrame({"y": [1, 2, 3, 1, 2]}, index=[1, 2, 3, 4, 5])
    >>> res = dea(x, y, rts="crs")
    >>> res.efficiency.round(3).tolist()
    [0.5, 1.0, 0.833, 0.714, 1.0]
    >>> res.input_slacks.round(3).loc[1].tolist()
    [0.0, 0.5]
    """
    check_option(rts, RTS, "rts", error=DEAError)
    check_option(orientation, Orientation, "orientation", error=DEAError)
    check_option(slacks, Slacks, "slacks", error=DEAError)
    check_option(method, Method, "method", error=DEAError)
    check_option(backend, E.Backend, "backend", error=DEAError)
    if scale and rts != "vrs":
        raise DEAError(
            f"scale efficiency compares CRS with VRS scores; use rts='vrs' (got rts={rts!r}) or "
            "leave scale unset."
        )
    X, Y = paired_frames(inputs, outputs, names)
    check_data(X, Y, frontier=reference is None)  # with a reference set, it is the one that must span
    if reference is None:
        Xr, Yr = X, Y
    else:
        Xr, Yr = paired_frames(reference[0], reference[1], where=" of the reference set")
        _check_reference(X, Y, Xr, Yr)
    if super and reference is not None:
        raise DEAError(
            "super-efficiency scores units against the other units of the same data; it cannot be "
            "combined with a separate reference technology."
        )
    res = _dea_frames(
        X,
        Y,
        Xr,
        Yr,
        rts=rts,
        orientation=orientation,
        slacks=slacks,
        scale=(rts == "vrs") if scale is None else scale,
        method=method,
        backend=backend,
        n_jobs=n_jobs,
        same=reference is None,
    )
    return _super(res) if super else res


def _super(res: DEAResult) -> DEAResult:
    """Replace the scores of the efficient units by their Andersen-Petersen super-efficiency."""
    from dataclasses import replace

    from spillover.productivity.superefficiency import super_radial

    te = res.efficiency.to_numpy()
    units = np.flatnonzero(te >= 1.0 - 1e-9)
    X, Y = res.inputs.to_numpy().T, res.outputs.to_numpy().T
    sx, sy = normaliser(X), normaliser(Y)
    status, score = super_radial(
        X / sx[:, None], Y / sy[:, None], units, rts=res.rts, orientation=res.orientation
    )
    eff, stat = te.copy(), res.status.copy()
    eff[units] = score
    stat.iloc[units] = [_STATUS[int(s)] for s in status]
    bad = res.names[units[status != 0]]
    if len(bad):
        warn(
            f"{len(bad)} super-efficiency LP(s) are infeasible (unit(s) {format_items(bad)}): no "
            "combination of the other units reaches them; their scores are NaN, not 0 and not a "
            "made-up large number.",
            InfeasibleWarning,
        )
    return replace(res, efficiency=pd.Series(eff, index=res.names, name="te"), status=stat)


def _check_reference(X: pd.DataFrame, Y: pd.DataFrame, Xr: pd.DataFrame, Yr: pd.DataFrame) -> None:
    if list(Xr.columns) != list(X.columns) or list(Yr.columns) != list(Y.columns):
        raise DEAError(
            "the reference technology must have the same input and output columns as the data; "
            f"got {list(Xr.columns)}/{list(Yr.columns)} vs {list(X.columns)}/{list(Y.columns)}."
        )
    check_data(Xr, Yr, where=" in the reference set")


def _dea_frames(
    X: pd.DataFrame,
    Y: pd.DataFrame,
    Xr: pd.DataFrame,
    Yr: pd.DataFrame,
    *,
    rts: str,
    orientation: str,
    slacks: str,
    scale: bool,
    method: str,
    backend: str,
    n_jobs: int | None,
    same: bool,
) -> DEAResult:
    """Validated frames -> normalised arrays -> engine -> labelled result."""
    backend = E.resolve_backend(backend, max(len(X), len(Xr)), n_jobs)
    with E.Executor(backend, n_jobs) as run:  # one process pool for every step (frontier, scores, scale)
        return _dea_arrays(
            X,
            Y,
            Xr,
            Yr,
            rts=rts,
            orientation=orientation,
            slacks=slacks,
            scale=scale,
            method=method,
            run=run,
            same=same,
        )


def _dea_arrays(
    X: pd.DataFrame,
    Y: pd.DataFrame,
    Xr: pd.DataFrame,
    Yr: pd.DataFrame,
    *,
    rts: str,
    orientation: str,
    slacks: str,
    scale: bool,
    method: str,
    run: E.Executor,
    same: bool,
) -> DEAResult:
    xa, ya, xra, yra = (f.to_numpy().T for f in (X, Y, Xr, Yr))
    sx, sy = normaliser(xa, xra), normaliser(ya, yra)
    xn, yn, xrn, yrn = xa / sx[:, None], ya / sy[:, None], xra / sx[:, None], yra / sy[:, None]
    # the engine works on data normalised to mean 1: DEAP's two-stage sum of slacks in the data's own units
    # weights each normalised slack by its variable's scale; "two-stage-normalised" weights them equally
    mode = "two-stage" if slacks.startswith("two-stage") else slacks
    weights = np.r_[sx, sy] if slacks == "two-stage" else None
    ref: np.ndarray | None
    if method == "fast" and same:
        raw = E.solve_within(
            xn, yn, rts=rts, orientation=orientation, slacks=mode, run=run, slack_weights=weights
        )
        ref = raw["reference"]
    else:
        ref = E.frontier_set(xrn, yrn, rts, run) if method == "fast" else None
        raw = E.evaluate(
            xrn,
            yrn,
            xn,
            yn,
            rts=rts,
            orientation=orientation,
            slacks=mode,
            run=run,
            reference=ref,
            colgen=method == "fast",
            slack_weights=weights,
        )
    te = raw["score"] if orientation == "input" else 1.0 / raw["score"]
    status = pd.Series([_STATUS[int(s)] for s in raw["status"]], index=X.index, name="status")
    peer_table = pd.DataFrame(
        {
            "unit": X.index[raw["lam_unit"]],
            "peer": Xr.index[raw["lam_peer"]],
            "weight": raw["lam_weight"],
        }
    )
    scale_frame, nirs_failed = None, X.index[:0]
    if scale:
        conv = raw.get("conv_dual") if orientation == "input" else None
        scale_frame, nirs_failed = _scale(te, xn, yn, xrn, yrn, ref, orientation, run, X.index, conv)
    _warn_infeasible(status, X.index, scale_frame, nirs_failed)
    return DEAResult(
        efficiency=pd.Series(te, index=X.index, name="te"),
        inputs=X,
        outputs=Y,
        input_slacks=pd.DataFrame(raw["s_in"] * sx, index=X.index, columns=X.columns),
        output_slacks=pd.DataFrame(raw["s_out"] * sy, index=X.index, columns=Y.columns),
        peer_table=peer_table,
        status=status,
        rts=rts,
        orientation=orientation,
        slack_method=slacks,
        reference_names=Xr.index,
        scale=scale_frame,
    )


def _warn_infeasible(
    status: pd.Series, index: pd.Index, scale: pd.DataFrame | None = None, nirs_failed: pd.Index | None = None
) -> None:
    """One InfeasibleWarning naming every unit whose score (or CRS/NIRS score of scale efficiency) is NaN
    because its LP had no certified optimal solution."""
    bad = index[(status != "optimal").to_numpy()]
    parts = []
    if len(bad):
        parts.append(
            f"{len(bad)} DEA linear programme(s) had no optimal solution (unit(s) "
            f"{format_items(bad, len(bad))}: {format_items(status[status != 'optimal'].unique())})"
        )
    if scale is not None:
        ok = (status == "optimal").to_numpy()
        for kind, lost in (("CRS", index[ok & scale["crste"].isna().to_numpy()]), ("NIRS", nirs_failed)):
            if lost is not None and len(lost):
                parts.append(
                    f"the {kind} LP of scale efficiency had no optimal solution for unit(s) "
                    f"{format_items(lost, len(lost))} (scale NaN or label undecided)"
                )
    if parts:
        warn("; ".join(parts) + "; their scores are NaN, not 0.", InfeasibleWarning)


def _te(score: np.ndarray, orientation: str) -> np.ndarray:
    return score if orientation == "input" else 1.0 / score


def _scale(
    vrs_te: np.ndarray,
    xn: np.ndarray,
    yn: np.ndarray,
    xrn: np.ndarray,
    yrn: np.ndarray,
    ref: np.ndarray | None,
    orientation: str,
    run: E.Executor,
    index: pd.Index,
    conv: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.Index]:
    """CRS and NIRS scores and DEAP's scale labels (the CRS and NIRS frontiers are subsets of the VRS one),
    and the units whose NIRS LP failed (their label is "", undecided).

    NIRS LPs are solved only where the CRS solution cannot answer: a CRS optimum with sum(lambda) <= 1 is
    feasible in the NIRS LP, whose score lies between the CRS and the VRS one, so the NIRS score is then the
    CRS score (exact, no LP).  In the synthetic data of benchmarks/dea_scaling.py this decides the "irs"
    units, about 12% of those whose CRS and VRS scores differ.

    ``conv`` (input orientation): the duals pi_0 of the VRS LPs' convexity rows (NaN where unknown).  The NIRS
    LP is the VRS LP with a surplus column w >= 0 (w <= 1) added to that row, whose reduced cost is -pi_0: a
    VRS optimal basis with pi_0 <= 0 stays optimal, and with 0 < pi_0 <= CONV_TOL * score the NIRS score
    is at most pi_0 * 1 below the VRS one (weak duality).  Then the NIRS score is the VRS score (the unit is
    "drs"), again without an LP; the rest are solved (none in the data of benchmarks/dea_scaling.py).
    """

    def columns(kind: str) -> np.ndarray:
        sub = ref if ref is None else E.frontier_direct(xrn, yrn, kind, ref, run)
        return np.arange(xrn.shape[1]) if sub is None else sub

    everyone = np.arange(xn.shape[1])
    cols = columns("crs")
    res = E.evaluate(
        xrn[:, cols], yrn[:, cols], xn, yn, rts="crs", orientation=orientation, slacks="none", run=run
    )
    crs = _te(res["score"], orientation)
    sum_lam = np.bincount(res["lam_unit"], weights=res["lam_weight"], minlength=len(everyone))
    frame = pd.DataFrame({"crste": crs, "vrste": vrs_te, "scale": crs / vrs_te}, index=index)
    differs = np.flatnonzero(~(np.abs(vrs_te - crs) < SCALE_TOL))
    nirs = np.full(len(everyone), np.nan)
    # a certified CRS optimum within the NIRS technology (sum(lambda) <= 1 up to round-off) answers alone
    crs_is_nirs = np.isfinite(crs[differs]) & (sum_lam[differs] <= 1.0 + NIRS_SUM_TOL)
    nirs[differs[crs_is_nirs]] = crs[differs[crs_is_nirs]]
    solve = differs[~crs_is_nirs]
    if conv is not None:
        with np.errstate(invalid="ignore"):
            vrs_is_nirs = conv[solve] <= CONV_TOL * vrs_te[solve]  # NaN (no dual known): solve the LP
        nirs[solve[vrs_is_nirs]] = vrs_te[solve[vrs_is_nirs]]
        solve = solve[~vrs_is_nirs]
    if len(solve):
        cols = columns("nirs")
        res = E.radial_scores(
            xrn[:, cols], yrn[:, cols], xn[:, solve], yn[:, solve], "nirs", orientation, run
        )
        nirs[solve] = _te(res["score"], orientation)
    frame["rts"] = [scale_label(c, v, n) for c, v, n in zip(crs, vrs_te, nirs)]
    return frame, index[differs[np.isnan(nirs[differs])]]


def scale_label(crste: float, vrste: float, nirste: float) -> str:
    """DEAP's scale label.

    "-" if |vrste - crste| < 0.0005, else "drs" if the NIRS score equals the VRS score (to the same 0.0005),
    else "irs".

    Examples
    --------
    >>> scale_label(0.5, 1.0, 0.5), scale_label(0.8, 0.9, 0.9), scale_label(1.0, 1.0, 1.0)
    ('irs', 'drs', '-')
    """
    if not np.isfinite(crste) or not np.isfinite(vrste):
        return ""
    if abs(vrste - crste) < SCALE_TOL:
        return "-"
    if not np.isfinite(nirste):
        return ""  # the NIRS LP failed: undecided, never a guess
    return "drs" if abs(nirste - vrste) < SCALE_TOL else "irs"
