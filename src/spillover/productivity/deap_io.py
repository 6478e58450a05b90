"""Read DEAP 2.1 instruction and data files, run them, and write DEAP-style output (Coelli 1996).

DEAP's instruction file has one value per line, followed by a comment::

    eg1-dta.txt     DATA FILE NAME
    eg1-out.txt     OUTPUT FILE NAME
    5               NUMBER OF FIRMS
    1               NUMBER OF TIME PERIODS
    1               NUMBER OF OUTPUTS
    2               NUMBER OF INPUTS
    0               0=INPUT AND 1=OUTPUT ORIENTATED
    0               0=CRS AND 1=VRS
    0               0=DEA(MULTI-STAGE), 1=COST-DEA, 2=MALMQUIST-DEA, 3=DEA(1-STAGE), 4=DEA(2-STAGE)

The data file lists, per firm (and for Malmquist per period, stacked period by period in the same firm order),
the outputs then the inputs, separated by blanks.  Output numbers are printed with 3 decimals, rounded half
up as DEAP's Fortran does, so the text can be diffed against DEAP's own output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from spillover.errors import DEAError
from spillover.options import RTS, Orientation, Slacks
from spillover.productivity.dea import DEAResult, dea
from spillover.productivity.malmquist import INDICES, MalmquistResult, malmquist

__all__ = [
    "DeapInstructions",
    "read_deap_instructions",
    "read_deap_data",
    "run_deap",
    "write_deap_output",
    "format_deap",
]

_METHODS: dict[int, Slacks | Literal["malmquist"]] = {
    0: "multi-stage",
    2: "malmquist",
    3: "none",
    4: "two-stage",
}
_ORIENTATIONS: tuple[Orientation, Orientation] = ("input", "output")
_SCALES: tuple[RTS, RTS] = ("crs", "vrs")
_METHOD_NAMES = {
    "multi-stage": "multi-stage method",
    "two-stage": "two-stage method",
    "none": "one-stage method",
}


@dataclass(frozen=True)
class DeapInstructions:
    """The nine settings of a DEAP 2.1 instruction file."""

    data_file: str
    output_file: str
    n_firms: int
    n_periods: int
    n_outputs: int
    n_inputs: int
    orientation: Orientation
    rts: RTS
    method: Slacks | Literal["malmquist"]
    path: Path | None = None

    @property
    def data_path(self) -> Path:
        """The data file, relative to the instruction file's folder."""
        return (self.path.parent if self.path else Path(".")) / self.data_file

    @property
    def output_path(self) -> Path:
        """The output file, relative to the instruction file's folder."""
        return (self.path.parent if self.path else Path(".")) / self.output_file


def read_deap_instructions(path: str | os.PathLike[str]) -> DeapInstructions:
    """Parse a DEAP 2.1 instruction file (the first token of each of its first nine lines)."""
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    if len(lines) < 9:
        raise DEAError(f"{path} has {len(lines)} non-empty lines; a DEAP instruction file has 9.")
    tok = [ln[0] for ln in lines[:9]]
    ints = []
    for k, (label, value) in enumerate(
        zip(
            [
                "number of firms",
                "number of periods",
                "number of outputs",
                "number of inputs",
                "orientation",
                "scale assumption",
                "method",
            ],
            tok[2:],
        ),
        start=3,
    ):
        try:
            ints.append(int(value))
        except ValueError:
            raise DEAError(f"line {k} of {path} ({label}) should be an integer; got {value!r}.") from None
    n_firms, n_periods, n_out, n_in, orient, crs_vrs, method = ints
    if orient not in (0, 1) or crs_vrs not in (0, 1):
        raise DEAError(f"{path}: orientation and scale codes must be 0 or 1; got {orient} and {crs_vrs}.")
    if method not in _METHODS:
        raise DEAError(
            f"{path}: DEAP method code {method} is not supported (cost DEA = 1 is not "
            "implemented); use 0 (multi-stage), 2 (Malmquist), 3 (one-stage) or 4 (two-stage)."
        )
    return DeapInstructions(
        tok[0],
        tok[1],
        n_firms,
        n_periods,
        n_out,
        n_in,
        _ORIENTATIONS[orient],
        _SCALES[crs_vrs],
        _METHODS[method],
        path,
    )


def read_deap_data(path: str | os.PathLike[str], instructions: DeapInstructions) -> pd.DataFrame:
    """Read a DEAP data file into a long frame: ``firm``, ``period``, ``y1..ys``, ``x1..xm``."""
    ins = instructions
    try:
        values = np.loadtxt(path, ndmin=2)
    except ValueError as exc:
        raise DEAError(f"{path} is not a table of numbers separated by blanks: {exc}") from None
    expected = (ins.n_firms * ins.n_periods, ins.n_outputs + ins.n_inputs)
    if values.shape != expected:
        raise DEAError(
            f"{path} has {values.shape[0]} rows x {values.shape[1]} columns; the instructions say "
            f"{expected[0]} rows (firms x periods) x {expected[1]} columns (outputs + inputs)."
        )
    cols = [f"y{i + 1}" for i in range(ins.n_outputs)] + [f"x{i + 1}" for i in range(ins.n_inputs)]
    frame = pd.DataFrame(values, columns=cols)
    frame.insert(0, "period", np.repeat(np.arange(1, ins.n_periods + 1), ins.n_firms))
    frame.insert(0, "firm", np.tile(np.arange(1, ins.n_firms + 1), ins.n_periods))
    return frame


def run_deap(
    ins_path: str | os.PathLike[str], *, write: bool = False, overwrite: bool = False
) -> DEAResult | MalmquistResult:
    """Run a DEAP 2.1 instruction file; with ``write=True`` also write its output file (DEAP layout)."""
    ins = read_deap_instructions(ins_path)
    data = read_deap_data(ins.data_path, ins)
    outputs = [c for c in data.columns if c.startswith("y")]
    inputs = [c for c in data.columns if c.startswith("x")]
    result: DEAResult | MalmquistResult
    if ins.method == "malmquist":
        result = malmquist(
            data, id="firm", time="period", inputs=inputs, outputs=outputs, orientation=ins.orientation
        )
    elif ins.n_periods == 1:
        frame = data.set_index("firm")
        result = dea(
            frame[inputs],
            frame[outputs],
            rts=ins.rts,
            orientation=ins.orientation,
            slacks=ins.method,
        )
    else:
        raise DEAError(
            f"{ins.path}: DEA with {ins.n_periods} periods is not supported; run each period "
            "separately or use the Malmquist method (code 2)."
        )
    if write:
        write_deap_output(result, ins.output_path, overwrite=overwrite, instructions=ins)
    return result


def write_deap_output(
    result: DEAResult | MalmquistResult,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    instructions: DeapInstructions | None = None,
) -> Path:
    """Write ``result`` as DEAP 2.1 prints it (atomically; an existing file only with ``overwrite=True``)."""
    from spillover.io import atomic_path

    text = format_deap(result, instructions)
    with atomic_path(path, overwrite=overwrite) as tmp:
        Path(tmp).write_text(text)
    return Path(path)


def format_deap(result: DEAResult | MalmquistResult, instructions: DeapInstructions | None = None) -> str:
    """The DEAP 2.1 output text of a result."""
    ins_name = instructions.path.name if instructions and instructions.path else "(none)"
    data_name = instructions.data_file if instructions else "(none)"
    head = [
        " Results from DEAP Version 2.1",
        " ",
        f"Instruction file = {ins_name} ",
        f"Data file          = {data_name} ",
        " ",
    ]
    if isinstance(result, MalmquistResult):
        return "\n".join(head + _malmquist_lines(result)) + "\n"
    return "\n".join(head + _dea_lines(result)) + "\n"


def _f(value: float, width: int = 6) -> str:
    """3 decimals, rounded half up (DEAP's Fortran F format); NaN (infeasible) printed as 'NaN'."""
    if not np.isfinite(value):
        return "NaN".rjust(width)
    text = str(Decimal(repr(float(value))).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
    if text == "-0.000":
        text = "0.000"
    return text.rjust(width)


def _row(label: object, values: np.ndarray) -> str:
    """DEAP's table row: label in 5 columns, first value in 21, the others in 12."""
    cells = [_f(v, 21 if k == 0 else 12) for k, v in enumerate(values)]
    return f"{label!s:>5}" + "".join(cells)


def _table(title: str, frame: pd.DataFrame, label: str, mean: bool) -> list[str]:
    prefix = f" firm  {label}:"
    header = prefix + "".join(f"{k + 1:>{26 - len(prefix) if k == 0 else 12}}" for k in range(frame.shape[1]))
    lines = [" ", " ", f" {title}:", " ", header]
    lines += [_row(name, row.to_numpy()) for name, row in frame.iterrows()]
    if mean:
        lines += ["", _row("mean", frame.mean().to_numpy()).replace(" mean", " mean", 1)]
    return lines


def _dea_lines(res: DEAResult) -> list[str]:
    orient = "Input" if res.orientation == "input" else "Output"
    lines = [
        f" {orient} orientated DEA",
        " ",
        f" Scale assumption: {res.rts.upper()}",
        " ",
        f" Slacks calculated using {_METHOD_NAMES.get(res.slack_method, res.slack_method)}",
        " ",
        " ",
        " EFFICIENCY SUMMARY:",
        " ",
    ]
    if res.scale is not None:
        lines += ["  firm  crste  vrste  scale", " "]
        for name, row in res.scale.iterrows():
            label = {"-": " - "}.get(row["rts"], row["rts"])
            lines.append(f"{name!s:>5} {_f(row['crste'])} {_f(row['vrste'])} {_f(row['scale'])} {label}")
        m = res.scale[["crste", "vrste", "scale"]].mean()
        lines += [
            " ",
            f" mean {_f(m['crste'])} {_f(m['vrste'])} {_f(m['scale'])}",
            "",
            "Note: crste = technical efficiency from CRS DEA",
            "      vrste = technical efficiency from VRS DEA",
            "      scale = scale efficiency = crste/vrste",
            "",
            "",
            "Note also that all subsequent tables refer to VRS results",
        ]
    else:
        lines += ["  firm     te"]
        lines += [f"{n!s:>5} {_f(v)}" for n, v in res.efficiency.items()]
        lines += [" ", f" mean {_f(res.efficiency.mean())}"]
    lines += _table("SUMMARY OF OUTPUT SLACKS", res.output_slacks, "output", True)
    lines += _table("SUMMARY OF INPUT SLACKS", res.input_slacks, "input", True)
    lines += _peer_lines(res)
    lines += _table("SUMMARY OF OUTPUT TARGETS", res.output_targets, "output", False)
    lines += _table("SUMMARY OF INPUT TARGETS", res.input_targets, "input", False)
    lines += [" ", " ", " ", " FIRM BY FIRM RESULTS:", " "]
    for name in res.names:
        lines += _firm_lines(res, name)
    return lines


def _peer_lines(res: DEAResult) -> list[str]:
    peers, weights = res.peers, res.peer_weights
    lines = [" ", " ", " SUMMARY OF PEERS:", " ", "  firm  peers:"]
    lines += [
        f"{n!s:>5}" + "".join(f"{p!s:>{7 if k == 0 else 5}}" for k, p in enumerate(peers[n]))
        for n in res.names
    ]
    lines += [
        " ",
        " ",
        " SUMMARY OF PEER WEIGHTS:",
        "   (in same order as above)",
        " ",
        "  firm  peer weights:",
    ]
    lines += [f"{n!s:>5}  " + "".join(_f(w) for w in weights[n]) for n in res.names]
    lines += [
        " ",
        " ",
        " PEER COUNT SUMMARY:",
        "   (i.e., no. times each firm is a peer for another)",
        " ",
        "  firm  peer count:",
    ]
    lines += [f"{n!s:>5}{c:>8}" for n, c in res.peer_count.items()]
    return lines + [" "]


def _firm_lines(res: DEAResult, name: object) -> list[str]:
    te = res.efficiency[name]
    lines = [" ", f"Results for firm:{name!s:>6}", f"Technical efficiency = {_f(te, 5)}"]
    if res.scale is not None:
        label = res.scale.loc[name, "rts"]
        lines.append(
            f"Scale efficiency     = {_f(res.scale.loc[name, 'scale'], 5)}  "
            f"({'crs' if label == '-' else label})"
        )
    lines += [
        " PROJECTION SUMMARY:",
        "  variable           original        radial         slack     projected",
        "                        value      movement      movement         value",
    ]
    x, y = res.inputs.loc[name], res.outputs.loc[name]
    factor = res.radial_factor[name]
    for k, col in enumerate(res.outputs.columns):
        radial = (factor - 1) * y[col] if res.orientation == "output" else 0.0
        lines.append(
            _projection(
                "output",
                k,
                y[col],
                radial,
                res.output_slacks.loc[name, col],
                res.output_targets.loc[name, col],
            )
        )
    for k, col in enumerate(res.inputs.columns):
        radial = (factor - 1) * x[col] if res.orientation == "input" else 0.0
        lines.append(
            _projection(
                "input ",
                k,
                x[col],
                radial,
                -res.input_slacks.loc[name, col],
                res.input_targets.loc[name, col],
            )
        )
    lines += [" LISTING OF PEERS:", "  peer   lambda weight"]
    lines += [f"{p!s:>5}{_f(w, 11)}" for p, w in zip(res.peers[name], res.peer_weights[name])]
    return lines + ([" "] if name != res.names[-1] else [])


def _projection(kind: str, k: int, orig: float, radial: float, slack: float, target: float) -> str:
    return f" {kind}{k + 1:>6}" + "".join(
        _f(v, 16 if i == 0 else 14) for i, v in enumerate((orig, radial, slack, target))
    )


_INDEX_HEADER = "   effch  techch    pech    sech   tfpch"


def _index_row(label: object, row: pd.Series) -> str:
    return f"{label!s:>6}" + "".join(_f(v, 8) for v in row[INDICES])


def _mean_row(values: np.ndarray, width: int) -> str:
    """DEAP's "mean" row: 'mean' takes one column less than a firm number, so the first cell is wider."""
    return " mean" + "".join(_f(v, width + 1 if k == 0 else width) for k, v in enumerate(values))


def _malmquist_lines(res: MalmquistResult) -> list[str]:
    orient = "Input" if res.orientation == "input" else "Output"
    lines = [f" {orient} orientated Malmquist DEA", " ", "", " DISTANCES SUMMARY", "", ""]
    d = res.distances
    units = d.index.get_level_values(0).unique()
    for t in res.periods:
        part = d.xs(t, level=1).reindex(units)
        lines += [
            f" year = {t!s:>5}",
            "",
            "   firm      crs te rel to tech in yr      vrs",
            "    no.      ************************       te",
            "              t-1         t       t+1",
            " ",
        ]
        for n, row in part.iterrows():
            lines.append(
                f"{n!s:>6}"
                + "".join(
                    _f(0.0 if np.isnan(v) and c in ("crs_prev", "crs_next") else v, 10)
                    for c, v in row[["crs_prev", "crs", "crs_next", "vrs"]].items()
                )
            )
        m = part[["crs_prev", "crs", "crs_next", "vrs"]].mean().fillna(0.0)
        lines += ["", _mean_row(m.to_numpy(), 10), "" if t != res.periods[-1] else " "]
    lines += [
        " [Note that t-1 in year 1 and t+1 in the final year are not defined]",
        "",
        "",
        " MALMQUIST INDEX SUMMARY",
        "",
    ]
    for t in res.periods[1:]:
        part = res.indices.xs(t, level=1).reindex(units)
        lines += [f" year = {t!s:>5}", "", "   firm" + _INDEX_HEADER, " "]
        lines += [_index_row(n, row) for n, row in part.iterrows()]
        lines += ["", _mean_row(res.period_means.loc[t, INDICES].to_numpy(), 8), ""]
    lines += ["", " MALMQUIST INDEX SUMMARY OF ANNUAL MEANS", "", "   year" + _INDEX_HEADER, " "]
    lines += [_index_row(t, row) for t, row in res.period_means.iterrows()]
    lines += [
        "",
        _mean_row(res.mean[INDICES].to_numpy(), 8),
        "",
        "",
        " MALMQUIST INDEX SUMMARY OF FIRM MEANS",
        "",
        "   firm" + _INDEX_HEADER,
        " ",
    ]
    lines += [_index_row(n, row) for n, row in res.unit_means.iterrows()]
    lines += [
        "",
        _mean_row(res.mean[INDICES].to_numpy(), 8),
        " ",
        " [Note that all Malmquist index averages are geometric means]",
    ]
    if res.n_infeasible:
        lines += ["", f" [{res.n_infeasible} distance LP(s) were infeasible and are printed as NaN]"]
    return lines
