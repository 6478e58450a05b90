"""The ``spillover`` command line (also ``python -m spillover``).

Exit codes: 0 success, 2 bad input (a study file with mistakes, a missing file, an unknown column, an
existing output folder, a usage error such as a missing option or a value out of range: anything the user can
fix), 1 an internal error (a bug: please report it), 130 interrupted (Ctrl-C).
``--json`` prints machine-readable output on stdout (errors included); progress and warnings go to stderr.
Library deprecation warnings are not shown; spillover's own warnings are shown as one plain line each.
"""

from __future__ import annotations

import functools
import json
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from spillover import __version__

if TYPE_CHECKING:
    import pandas as pd

    from spillover.options import RTS, FixedEffects, Frontier, Orientation

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


# ---------------------------------------------------------------------- shared plumbing
def _show_warning(
    message: Any,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    click.echo(f"warning: {message}", err=True)


def _quiet_terminal() -> None:
    """Library deprecation noise never reaches the user's terminal; our warnings are one plain line."""
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.showwarning = _show_warning


def _fail(json_out: bool, code: int, message: str, extra: dict[str, Any] | None = None) -> None:
    if json_out:
        click.echo(json.dumps({"ok": False, "error": message, **(extra or {})}, indent=2))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Map bad input to exit code 2 and anything else to 1, as text or JSON (``--json``)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from spillover.errors import SpilloverError
        from spillover.study import StudyError

        json_out = bool(kwargs.get("json_out"))
        try:
            return func(*args, **kwargs)
        except StudyError as exc:
            _fail(json_out, EXIT_BAD_INPUT, str(exc), exc.to_dict())
        except (SpilloverError, FileNotFoundError, FileExistsError) as exc:
            _fail(json_out, EXIT_BAD_INPUT, str(exc))
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            _fail(
                json_out,
                EXIT_INTERNAL,
                f"internal error ({type(exc).__name__}: {exc}); please report it with the command you ran.",
            )

    return wrapper


def _json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "json_out", is_flag=True, help="Print machine-readable JSON on stdout.")(
        func
    )


def _with_options(options: list[Callable[..., Any]], func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(options):
        func = option(func)
    return func


def _names(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _columns(frame: pd.DataFrame, names: str | Iterable[str], option: str) -> list[str]:
    """The columns an option names (comma-separated text or a list), each checked against the file's columns.

    Every command selects its columns here, so an unknown name is a bad input (exit 2) naming the option,
    the column and the columns the file has, never a KeyError from pandas (exit 1).
    """
    from spillover.errors import PanelError, format_items

    wanted = _names(names) if isinstance(names, str) else list(names)
    if not wanted:
        raise PanelError(f"{option} names no column; the file's columns are {format_items(frame.columns)}.")
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise PanelError(
            f"{option}: column(s) {format_items(missing)} not in the file; its columns are "
            f"{format_items(frame.columns, limit=30)}."
        )
    return wanted


def _column(frame: pd.DataFrame, name: str, option: str) -> str:
    """One column an option names, checked as :func:`_columns` does."""
    return _columns(frame, [name], option)[0]


@dataclass(frozen=True)
class _PanelFile:
    """How a command reads its panel file: ``--sheet``, ``--encoding`` and ``--normalize`` (see
    :func:`_panel_file_options`); the options of :func:`spillover.io.read_panel` and a study's ``[data]``."""

    sheet: str | None = None
    encoding: str | None = None
    normalize: bool = False

    def read(self, path: Path, id_col: str | None) -> pd.DataFrame:
        from spillover import io
        from spillover.errors import SpilloverError

        frame = io.read_panel(path, sheet=self.sheet, encoding=self.encoding)
        if self.normalize:
            if id_col is None:
                raise SpilloverError("--normalize maps the region names of the --id column; give --id.")
            from spillover import regions

            col = _column(frame, id_col, "--id")
            frame[col] = regions.normalize(frame[col].tolist(), include_sar_taiwan=False)
        return frame


_PANEL_FILE_OPTIONS = [
    click.option("--sheet", help="Excel sheet: name or 0-based position (needed for a workbook of several)."),
    click.option("--encoding", help="Text encoding of a CSV (default UTF-8; e.g. gbk for yearbook exports)."),
    click.option(
        "--normalize",
        is_flag=True,
        help="Map Chinese province names of the --id column in any alias (Chinese, pinyin, GB code "
        "such as 450000) to the canonical English names of the shipped boundaries.",
    ),
]


def _panel_file_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --sheet, --encoding and --normalize; the command receives them as one ``panel_file`` argument."""

    @functools.wraps(func)
    def wrapper(*args: Any, sheet: str | None, encoding: str | None, normalize: bool, **kwargs: Any) -> Any:
        return func(*args, panel_file=_PanelFile(sheet, encoding, normalize), **kwargs)

    return _with_options(_PANEL_FILE_OPTIONS, wrapper)


def _emit(json_out: bool, payload: dict[str, Any], text: str) -> None:
    click.echo(json.dumps(payload, indent=2, default=str) if json_out else text)


# ---------------------------------------------------------------------- the group
_JSON_META = "spillover.json"


class _Spillover(click.Group):
    """The command group: click's own usage errors and Ctrl-C follow the exit codes and ``--json`` too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        head = args[: args.index("--")] if "--" in args else args
        ctx.meta[_JSON_META] = "--json" in head
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        json_out = bool(ctx.meta.get(_JSON_META))
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # missing option, bad choice or type, out of range, no such command
            if not json_out:
                raise
            _fail(True, exc.exit_code, exc.format_message())
        except KeyboardInterrupt:
            click.echo("", err=True)  # close the terminal's ^C echo
            _fail(json_out, EXIT_INTERRUPTED, "interrupted (Ctrl-C).")


@click.group(cls=_Spillover)
@click.version_option(__version__, prog_name="spillover")
def main() -> None:
    """spillover: regional spatial econometrics with GIS integration."""
    _quiet_terminal()


# ---------------------------------------------------------------------- study
@main.command()
@click.argument("study", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@_json_option
@handle_errors
def run(study: Path, out: Path | None, force: bool, json_out: bool) -> None:
    """Run a study file: report, GeoPackage and tables in a new folder."""
    from spillover.study import progress
    from spillover.study import run as run_study

    result = run_study(
        study, out=out, overwrite=force, progress=progress.plain_reporter() if json_out else True
    )
    _emit(json_out, {"ok": True, **result.to_dict()}, _written(result))


def _written(result: Any) -> str:
    lines = [f"wrote {result.folder}"]
    for kind in ("report", "geopackage"):
        lines += [f"  {kind}: {p}" for p in result.files.get(kind, [])]
    n = len(result.files.get("tables", []))
    if n:
        lines.append(f"  tables: {n} files in {result.folder / 'tables'}")
    return "\n".join(lines)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="study.toml")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@handle_errors
def init(path: Path, force: bool) -> None:
    """Write a commented example study file (default study.toml) that runs as-is on the shipped data."""
    from spillover.errors import OverwriteError
    from spillover.io import atomic_path
    from spillover.study import example_path

    if path.exists() and not force:
        raise OverwriteError(f"{path} exists; pass --force to replace it.")
    with atomic_path(path, overwrite=force, option="--force") as tmp:
        tmp.write_text(example_path("init").read_text(encoding="utf-8"), encoding="utf-8")
    click.echo(f"wrote {path}; run it with: spillover run {path}")


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("spillover-demo"),
    show_default=True,
    help="Folder of the demo outputs.",
)
@click.option("--force", is_flag=True, help="Replace earlier demo outputs.")
@_json_option
@handle_errors
def demo(out: Path, force: bool, json_out: bool) -> None:
    """Run the two shipped studies (US states, real data; China, simulated) and print what they wrote."""
    from spillover.demo import run_demo
    from spillover.study import progress

    runs = run_demo(
        out,
        overwrite=force,
        echo=(lambda s: click.echo(s, err=True)) if json_out else click.echo,
        progress=progress.plain_reporter() if json_out else True,
    )
    if json_out:
        click.echo(json.dumps({"ok": True, "studies": {k: r.to_dict() for k, r in runs.items()}}, indent=2))


# ---------------------------------------------------------------------- pieces
@main.command()
@click.argument("panel", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "id_col", required=True, help="Region column.")
@click.option("--time", "time_col", required=True, help="Period column.")
@_panel_file_options
@_json_option
@handle_errors
def describe(panel: Path, id_col: str, time_col: str, panel_file: _PanelFile, json_out: bool) -> None:
    """Describe a panel file: regions, periods, balance, missing cells, variables."""
    info, stats = _describe_frame(panel_file.read(panel, id_col), id_col, time_col)
    text = "\n".join(f"{k}: {v}" for k, v in info.items()) + "\n\n" + stats.to_string(float_format="%.4g")
    _emit(json_out, {"ok": True, **info, "variables": json.loads(stats.to_json(orient="index"))}, text)


@main.command()
@click.argument("boundaries", type=click.Path(exists=True, path_type=Path))
@click.option("--id", "id_col", required=True, help="Region id column of the boundaries.")
@click.option("--kind", type=click.Choice(["queen", "rook", "distance"]), default="queen", show_default=True)
@click.option(
    "--power", type=click.FloatRange(min=0), default=1.0, show_default=True, help="Distance decay (distance)."
)
@click.option(
    "--coords",
    type=click.Choice(["capital", "centroid", "representative"]),
    default="centroid",
    show_default=True,
    help="Points of the distances (distance).",
)
@click.option("--k", type=click.IntRange(min=1), help="k nearest neighbours (distance).")
@click.option("--band", type=click.FloatRange(min=0, min_open=True), help="Distance band in km (distance).")
@click.option("--transform", type=click.Choice(["r", "none"]), default="r", show_default=True)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Weights file: .gal, .gwt, .csv, .dta or .mat.",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@_json_option
@handle_errors
def weights(
    boundaries: Path,
    id_col: str,
    kind: Literal["queen", "rook", "distance"],
    power: float,
    coords: str,
    k: int | None,
    band: float | None,
    transform: str,
    out: Path,
    force: bool,
    json_out: bool,
) -> None:
    """Build spatial weights from a boundary file and save them."""
    from spillover import io
    from spillover import weights as wmod

    geo = io.read_boundaries(boundaries)
    if kind == "distance":
        w = wmod.from_spec(
            geo, kind, power=power, coords=coords, k=k, band=band, transform=transform, id=id_col
        )
    else:
        w = wmod.from_spec(geo, kind, transform=transform, id=id_col)
    if out.exists() and not out.is_dir() and not force:  # the command line's word, not overwrite=True
        from spillover.errors import OverwriteError

        raise OverwriteError(f"{out} exists; pass --force to replace it.")
    wmod.save(w, out, overwrite=force)
    summary = wmod.describe(w)
    _emit(json_out, {"ok": True, "file": str(out), "summary": str(summary)}, f"{summary}\nwrote {out}")


@main.command()
@click.argument("panel", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "id_col", required=True, help="Region column of the panel.")
@click.option("--time", "time_col", required=True, help="Period column of the panel.")
@click.option("--var", "variables", required=True, help="Variable(s), comma-separated.")
@click.option(
    "--boundaries",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Boundary file of the regions.",
)
@click.option("--boundaries-id", help="Region id column of the boundaries (default: --id).")
@click.option(
    "--weights",
    "weights_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Weights file (default: queen contiguity of the boundaries).",
)
@click.option(
    "--permutations",
    type=click.IntRange(min=0),
    default=999,
    show_default=True,
    help="Permutations of the pseudo p-values (0: none).",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@_panel_file_options
@_json_option
@handle_errors
def moran(
    panel: Path,
    id_col: str,
    time_col: str,
    variables: str,
    boundaries: Path,
    boundaries_id: str | None,
    weights_file: Path | None,
    permutations: int,
    seed: int,
    panel_file: _PanelFile,
    json_out: bool,
) -> None:
    """Global Moran's I of a panel variable in every period."""
    from spillover import esda, io
    from spillover import weights as wmod
    from spillover.panel import SpatialPanel

    frame = panel_file.read(panel, id_col)
    _column(frame, id_col, "--id")
    _column(frame, time_col, "--time")
    names = _columns(frame, variables, "--var")
    sp = SpatialPanel(
        frame, io.read_boundaries(boundaries), id=id_col, time=time_col, geometry_id=boundaries_id or id_col
    )
    w = wmod.load(weights_file, ids=sp) if weights_file else wmod.contiguity(sp, kind="queen")
    table = esda.moran_by_period(sp, names, w, permutations=permutations, seed=seed)
    _emit(
        json_out,
        {"ok": True, "moran": json.loads(table.reset_index().to_json(orient="records"))},
        table.to_string(float_format="%.4f"),
    )


_DEA_OPTIONS = [
    click.option("--inputs", required=True, help="Input columns, comma-separated."),
    click.option("--outputs", required=True, help="Output columns, comma-separated."),
    click.option("--orientation", type=click.Choice(["input", "output"]), default="input", show_default=True),
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "csv"]),
        default="text",
        show_default=True,
        help="DEAP-style text or CSV.",
    ),
    click.option(
        "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout."
    ),
    click.option("--force", is_flag=True, help="Replace an existing --out file."),
]


def _dea_options(func: Callable[..., Any]) -> Callable[..., Any]:
    return _with_options(_DEA_OPTIONS, func)


def _write_or_echo(text: str, out: Path | None, force: bool, source: Path, encoding: str = "utf-8") -> None:
    if out is None:
        click.echo(text)
        return
    from spillover.io import atomic_path

    # never replaces the data it read; a refusal names --force, not the API's overwrite=True
    with atomic_path(out, overwrite=force, inputs=[source], option="--force") as tmp:
        tmp.write_text(text, encoding=encoding)
    click.echo(f"wrote {out}", err=True)


@main.command()
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "id_col", help="Column naming the units (default: row numbers).")
@click.option("--rts", type=click.Choice(["crs", "vrs", "nirs", "ndrs"]), default="crs", show_default=True)
@_dea_options
@_panel_file_options
@handle_errors
def dea(
    data: Path,
    id_col: str | None,
    rts: RTS,
    inputs: str,
    outputs: str,
    orientation: Orientation,
    fmt: str,
    out: Path | None,
    force: bool,
    panel_file: _PanelFile,
) -> None:
    """DEA efficiency of the units of a table (DEAP 2.1 conventions)."""
    from spillover import productivity
    from spillover.io import csv_text
    from spillover.productivity.deap_io import format_deap

    frame = panel_file.read(data, id_col)
    x, y = _columns(frame, inputs, "--inputs"), _columns(frame, outputs, "--outputs")
    if id_col:
        frame = frame.set_index(_column(frame, id_col, "--id"))
    res = productivity.dea(frame[x], frame[y], rts=rts, orientation=orientation)
    _write_or_echo(
        format_deap(res) if fmt == "text" else csv_text(res.to_frame()),
        out,
        force,
        data,
        "utf-8" if fmt == "text" else "utf-8-sig",
    )


@main.command()
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "id_col", required=True, help="Unit column.")
@click.option("--time", "time_col", required=True, help="Period column.")
@click.option(
    "--frontier",
    type=click.Choice(["adjacent", "sequential", "global"]),
    default="adjacent",
    show_default=True,
)
@_dea_options
@_panel_file_options
@handle_errors
def malmquist(
    data: Path,
    id_col: str,
    time_col: str,
    frontier: Frontier,
    inputs: str,
    outputs: str,
    orientation: Orientation,
    fmt: str,
    out: Path | None,
    force: bool,
    panel_file: _PanelFile,
) -> None:
    """Malmquist TFP index and its decomposition (DEAP 2.1 conventions)."""
    from spillover import productivity
    from spillover.io import csv_text
    from spillover.productivity.deap_io import format_deap

    frame = panel_file.read(data, id_col)
    _column(frame, id_col, "--id")
    _column(frame, time_col, "--time")
    res = productivity.malmquist(
        frame,
        id=id_col,
        time=time_col,
        inputs=_columns(frame, inputs, "--inputs"),
        outputs=_columns(frame, outputs, "--outputs"),
        orientation=orientation,
        frontier=frontier,
    )
    _write_or_echo(
        format_deap(res) if fmt == "text" else csv_text(res.indices),
        out,
        force,
        data,
        "utf-8" if fmt == "text" else "utf-8-sig",
    )


# ---------------------------------------------------------------------- disparity
@main.group()
def disparity() -> None:
    """Regional disparity and distribution dynamics of a panel file (spillover.disparity)."""


_DISPARITY_OPTIONS = [
    click.argument("panel", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
    click.option("--id", "id_col", required=True, help="Region column."),
    click.option("--time", "time_col", required=True, help="Period column."),
    click.option("--var", "variables", required=True, help="Variable(s), comma-separated."),
    click.option(
        "--boundaries",
        help="Boundary file of the regions, or china_provinces / us_states for the shipped ones (needed for "
        "a --by column of the boundaries, e.g. region4, and for spatial weights).",
    ),
    click.option("--boundaries-id", help="Region id column of a boundary file (default: --id)."),
    click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."),
    click.option("--force", is_flag=True, help="Replace an existing --out file."),
]
_GROUP_OPTIONS = [
    click.option("--by", help="Grouping column of the panel or boundaries (default: region4)."),
    click.option("--weights", "weights_col", help="Population column weighting the regions (default: none)."),
]
_SEED_OPTION = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)


def _disparity_command(*extra: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
    def decorate(func: Callable[..., Any]) -> Any:
        func = handle_errors(func)
        func = _json_option(_panel_file_options(_with_options([*_DISPARITY_OPTIONS, *extra], func)))
        return disparity.command(func.__name__.rstrip("_"))(func)

    return decorate


def _disparity_panel(o: dict[str, Any]) -> Any:
    """The panel file as a SpatialPanel; without --boundaries each region gets a placeholder point (the
    measures that need no geography run; a --by column of the boundaries or spatial weights then fail)."""
    import geopandas as gpd

    from spillover import datasets, io
    from spillover.panel import SpatialPanel

    id_col, boundaries, geo_id = o["id_col"], o["boundaries"], o["boundaries_id"]
    frame = o["panel_file"].read(o["panel"], id_col)
    _column(frame, id_col, "--id")
    _column(frame, o["time_col"], "--time")
    if boundaries in ("china_provinces", "us_states"):
        geo = datasets.china_provinces() if boundaries == "china_provinces" else datasets.us_states_geometry()
        geo_id = geo_id or ("province" if boundaries == "china_provinces" else "state")
    elif boundaries is not None:
        geo = io.read_boundaries(Path(boundaries))
    else:
        ids = frame[id_col].drop_duplicates().tolist()
        geo = gpd.GeoDataFrame({id_col: ids}, geometry=gpd.points_from_xy(range(len(ids)), [0] * len(ids)))
    return SpatialPanel(frame, geo, id=id_col, time=o["time_col"], geometry_id=geo_id or id_col)


def _disparity_run(o: dict[str, Any], func: Callable[[Any, str], Any]) -> None:
    """``func(panel, var)`` for each --var; each result's Summary as text, or as JSON ``{"ok", "results":
    {var: {"title", "header", "tables"}}}`` with every table as records (its index as columns), to stdout or
    ``--out``."""
    import pandas as pd

    sp = _disparity_panel(o)
    names = _columns(pd.DataFrame(columns=sp.variables), o["variables"], "--var")
    results = {var: func(sp, var).summary() for var in names}
    if o["json_out"]:
        payload = {
            "ok": True,
            "results": {
                var: {
                    "title": s.title,
                    "header": {k: str(v) for k, v in s.header.items()},
                    "tables": [
                        json.loads(t.reset_index().to_json(orient="records", double_precision=15))
                        for t in s.tables
                    ],
                }
                for var, s in results.items()
            },
        }
        text = json.dumps(payload, indent=2, default=str)
    else:
        text = "\n\n".join(str(s) for s in results.values())
    _write_or_echo(text, o["out"], o["force"], o["panel"])


def _group(sp: Any, o: dict[str, Any]) -> str:
    """The --by column (default region4), with a hint when it could only come from boundaries not given."""
    from spillover.errors import PanelError, format_items

    by = o["by"] or "region4"
    if o["boundaries"] is None and by not in sp.variables:
        raise PanelError(
            f"--by {by}: no such column in the panel file (its variables: {format_items(sp.variables)}); "
            "a grouping of the boundaries needs --boundaries (region4: --boundaries china_provinces)."
        )
    return by


@_disparity_command(
    *_GROUP_OPTIONS,
    click.option("--draws", type=click.IntRange(min=0), default=0, help="Bootstrap draws (0: none)."),
    _SEED_OPTION,
)
def dagum(**o: Any) -> None:
    """Dagum Gini decomposition by group (within, net between, transvariation) per period."""
    from spillover import disparity as d

    _disparity_run(
        o,
        lambda sp, v: d.dagum_gini(
            sp, v, _group(sp, o), weights=o["weights_col"], draws=o["draws"], seed=o["seed"]
        ),
    )


@_disparity_command(*_GROUP_OPTIONS)
def theil(**o: Any) -> None:
    """Theil T and L with their within/between decomposition, CV and Williamson's CV per period."""
    from spillover import disparity as d

    _disparity_run(o, lambda sp, v: d.theil(sp, v, _group(sp, o), weights=o["weights_col"]))


@_disparity_command(click.option("--relative", is_flag=True, help="Densities of value / cross-section mean."))
def kde(**o: Any) -> None:
    """Per-period kernel densities: peaks, number of peaks and tails."""
    from spillover import disparity as d

    _disparity_run(o, lambda sp, v: d.kernel_density(sp, v, relative=o["relative"]))


@_disparity_command(
    click.option("--k", type=click.IntRange(min=2), default=4, show_default=True, help="Quantile classes."),
    click.option("--fixed/--per-period", default=True, help="Classes of the pooled panel or of each period."),
)
def markov(**o: Any) -> None:
    """Markov chain of quantile classes: transition probabilities, steady state, first passage times."""
    from spillover import disparity as d

    _disparity_run(o, lambda sp, v: d.markov(sp, v, k=o["k"], fixed=o["fixed"]))


@_disparity_command(
    click.option("--kind", type=click.Choice(["sigma", "beta", "spatial_beta"]), default="sigma"),
    click.option(
        "--controls", help="Further regressors of the growth equation, comma-separated (beta kinds)."
    ),
    click.option(
        "--fixed-effects",
        type=click.Choice(["none", "unit", "time", "twoway", "random"]),
        help="Fixed effects of the beta kinds (default: none for absolute beta, twoway otherwise).",
    ),
    click.option("--model", type=click.Choice(["sar", "sem", "sdm"]), default="sar", help="Of spatial_beta."),
    click.option(
        "--weights-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Weights of spatial_beta (default: queen contiguity of --boundaries).",
    ),
    click.option("--draws", type=click.IntRange(min=2), default=1000, show_default=True),
    _SEED_OPTION,
)
def convergence(**o: Any) -> None:
    """Sigma, beta or spatial beta convergence, with speed and half-life."""
    from spillover import disparity as d
    from spillover import weights as wmod
    from spillover.errors import SpilloverError

    def run(sp: Any, var: str) -> Any:
        w = None
        if o["kind"] == "spatial_beta":
            if o["weights_file"] is None and o["boundaries"] is None:
                raise SpilloverError(
                    "--kind spatial_beta needs weights: give --boundaries or --weights-file."
                )
            w = (
                wmod.load(o["weights_file"], ids=sp)
                if o["weights_file"]
                else wmod.contiguity(sp, kind="queen")
            )
        controls = _columns(sp.data, o["controls"], "--controls") if o["controls"] else None
        return d.convergence(
            sp,
            var,
            o["kind"],
            controls=controls,
            fixed_effects=o["fixed_effects"],
            model=o["model"],
            w=w,
            draws=o["draws"],
            seed=o["seed"],
        )

    _disparity_run(o, run)


def _describe_frame(frame: Any, id_col: str, time_col: str) -> tuple[dict[str, Any], Any]:
    """Facts about a long panel file before it becomes a SpatialPanel (which would refuse a bad one)."""
    import pandas as pd

    _column(frame, id_col, "--id")
    _column(frame, time_col, "--time")
    regions, periods = frame[id_col].nunique(), frame[time_col].nunique()
    dup = int(frame.duplicated([id_col, time_col]).sum())
    info = {
        "rows": len(frame),
        "regions": int(regions),
        "periods": int(periods),
        "first_period": str(frame[time_col].min()),
        "last_period": str(frame[time_col].max()),
        "duplicate_cells": dup,
        "missing_cells": int(regions * periods - (len(frame) - dup)),
        "balanced": bool(dup == 0 and len(frame) == regions * periods),
    }
    numeric = frame.drop(columns=[id_col, time_col]).select_dtypes("number")
    stats = numeric.agg(["count", "mean", "std", "min", "max"]).T
    stats["missing"] = numeric.isna().sum()
    text_cols = [c for c in frame.columns if c not in numeric.columns and c not in (id_col, time_col)]
    if text_cols:
        info["text_columns"] = ", ".join(map(str, text_cols))
    return info, pd.DataFrame(stats)


# ---------------------------------------------------------------------- hot spots
def _hotspot_records(frame: Any) -> list[dict[str, Any]]:
    return json.loads(frame.reset_index().to_json(orient="records", double_precision=15))


def _period(sp: Any, value: str | None) -> Any:
    """The --period as the panel's own period (matched by its text); default the last."""
    from spillover.errors import PanelError, format_items

    if value is None:
        return sp.periods[-1]
    match = [p for p in sp.periods if str(p) == value]
    if not match:
        raise PanelError(
            f"--period {value}: no such period in the panel (its periods: {format_items(sp.periods)})."
        )
    return match[0]


_HOTSPOT_OPTIONS = [
    _DISPARITY_OPTIONS[0],
    *_DISPARITY_OPTIONS[1:4],
    click.option(
        "--boundaries",
        required=True,
        help="Boundary file of the regions, or china_provinces / us_states for the shipped ones.",
    ),
    *_DISPARITY_OPTIONS[5:],
    click.option(
        "--weights-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Weights file (default: queen contiguity of --boundaries).",
    ),
    click.option(
        "--statistic",
        type=click.Choice(["gi_star", "gi", "local_geary"]),
        default="gi_star",
        show_default=True,
        help="Getis-Ord Gi* or Gi (hot and cold spots), or local Geary's c (clusters).",
    ),
    click.option("--period", help="Period analysed (default: the last)."),
    click.option(
        "--permutations",
        type=click.IntRange(min=0),
        default=999,
        show_default=True,
        help="Permutations of the pseudo p-values (0: normal p-values, Getis-Ord only).",
    ),
    _SEED_OPTION,
    click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05),
    click.option("--fdr", is_flag=True, help="Benjamini-Hochberg cut-off instead of --alpha."),
    click.option("--emerging", is_flag=True, help="Also the emerging hot-spot analysis over all periods."),
]


def _hotspots_command(func: Callable[..., Any]) -> Any:
    func = handle_errors(func)
    func = _json_option(_panel_file_options(_with_options(_HOTSPOT_OPTIONS, func)))
    return main.command("hotspots")(func)


@_hotspots_command
def hotspots(**o: Any) -> None:
    """Local hot spots (Getis-Ord Gi*, Gi) or clusters (local Geary) of a panel variable in one period."""
    import pandas as pd

    from spillover import esda
    from spillover import weights as wmod
    from spillover.study._hotspot_steps import local_statistic

    sp = _disparity_panel(o)
    names = _columns(pd.DataFrame(columns=sp.variables), o["variables"], "--var")
    period = _period(sp, o["period"])
    w = wmod.load(o["weights_file"], ids=sp) if o["weights_file"] else wmod.contiguity(sp, kind="queen")
    payload: dict[str, Any] = {"ok": True, "results": {}}
    texts = []
    for var in names:
        res = local_statistic(
            sp,
            var,
            w,
            period,
            o["statistic"],
            permutations=o["permutations"],
            seed=o["seed"],
            alpha=o["alpha"],
            fdr=o["fdr"],
        )
        entry: dict[str, Any] = {
            "statistic": o["statistic"],
            "period": period,
            "threshold": res.threshold,
            "counts": {str(k): int(v) for k, v in res.counts().items()},
            "regions": _hotspot_records(res.to_frame()),
        }
        texts += [str(res.summary()), res.to_frame().to_string(float_format="%.4f")]
        if o["emerging"]:
            em = esda.emerging_hotspots(
                sp, var, w, permutations=o["permutations"], seed=o["seed"], alpha=o["alpha"]
            )
            entry["emerging"] = {
                "counts": {str(k): int(v) for k, v in em.counts().items()},
                "regions": _hotspot_records(em.to_frame()),
            }
            texts += [str(em.summary()), em.to_frame().to_string(float_format="%.4f")]
        payload["results"][var] = entry
    text = json.dumps(payload, indent=2, default=str) if o["json_out"] else "\n\n".join(texts)
    _write_or_echo(text, o["out"], o["force"], o["panel"])


# ---------------------------------------------------------------------- causal designs
@main.group()
def causal() -> None:
    """Causal designs with spillovers: spatial DiD and event studies (docs/causal.md)."""


def _rings(ctx: click.Context, param: click.Parameter, value: str | None) -> list[float] | None:
    if value is None:
        return None
    try:
        return [float(v) for v in _names(value)]
    except ValueError:
        raise click.BadParameter(f"{value!r}: give distances in km, comma-separated, e.g. 0,50,100") from None


def _window(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, int]:
    parts = _names(value)
    try:
        lo, hi = (int(v) for v in parts)
    except ValueError:
        raise click.BadParameter(f"{value!r}: give two integers lo,hi, e.g. -4,4") from None
    return lo, hi


_CAUSAL_OPTIONS = [
    click.option("--id", "id_col", required=True, help="Region column of the panel."),
    click.option("--time", "time_col", required=True, help="Period column of the panel."),
    click.option("--y", "y", required=True, help="Outcome column."),
    click.option(
        "--boundaries",
        required=True,
        type=click.Path(exists=True, path_type=Path),
        help="Boundary file of the regions (neighbours and distances).",
    ),
    click.option("--boundaries-id", help="Region id column of the boundaries (default: --id)."),
    click.option(
        "--w",
        "weights_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Weights file of the exposure to treated neighbours.",
    ),
    click.option("--controls", default="", help="Control columns, comma-separated."),
    click.option(
        "--cluster",
        type=click.Choice(["unit", "time", "none"]),
        default="unit",
        show_default=True,
        help="Clusters of the standard errors (none: iid).",
    ),
    click.option(
        "--placebo",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Placebo draws (random reassignment of treatment; 0: none).",
    ),
    click.option(
        "--scheme",
        type=click.Choice(["regions", "regions_and_timing"]),
        default="regions",
        show_default=True,
        help="Placebo reassignment.",
    ),
    click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Placebo seed."),
    click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the estimates as CSV here (stdout shows the summary or JSON).",
    ),
    click.option("--force", is_flag=True, help="Replace an existing --out file."),
]


_Scheme = Literal["regions", "regions_and_timing"]


def _causal_options(func: Callable[..., Any]) -> Callable[..., Any]:
    return _with_options(_CAUSAL_OPTIONS, func)


def _causal_panel(
    panel: Path,
    panel_file: _PanelFile,
    id_col: str,
    time_col: str,
    columns: list[tuple[str, str]],
    **geo: Any,
) -> Any:
    """The panel file joined to its boundaries, with the columns a causal command names checked."""
    from spillover import io
    from spillover.panel import SpatialPanel

    frame = panel_file.read(panel, id_col)
    for col, option in [(id_col, "--id"), (time_col, "--time"), *columns]:
        _columns(frame, col, option)
    return SpatialPanel(
        frame,
        io.read_boundaries(geo["boundaries"]),
        id=id_col,
        time=time_col,
        geometry_id=geo["boundaries_id"] or id_col,
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame (index first) at full precision, NaN as null (JSON has no NaN)."""
    rows = frame.reset_index().to_dict(orient="records")
    return [{str(k): None if isinstance(v, float) and v != v else v for k, v in r.items()} for r in rows]


def _causal_emit(
    res: Any,
    placebo: int,
    scheme: _Scheme,
    seed: int,
    json_out: bool,
    out: Path | None,
    force: bool,
    source: Path,
) -> None:
    from spillover import causal
    from spillover.errors import OverwriteError
    from spillover.io import atomic_path, csv_text

    if out is not None and out.exists() and not force:  # before the placebo draws
        raise OverwriteError(f"{out} exists; pass --force to replace it.")
    frame = res.to_frame()
    pl = causal.placebo(res, draws=placebo, seed=seed, scheme=scheme) if placebo else None
    payload: dict[str, Any] = {
        "ok": True,
        "estimates": _records(frame),
    }
    text = str(res.summary())
    if getattr(res, "pretrend", None) is not None:
        payload["pretrend"] = res.pretrend.to_dict()
    if pl is not None:
        payload["placebo"] = _records(pl.to_frame())
        text += "\n\n" + str(pl.summary())
    if out is not None:
        with atomic_path(out, overwrite=force, inputs=[source], option="--force") as tmp:  # never its input
            tmp.write_text(csv_text(frame), encoding="utf-8-sig")
        payload["file"] = str(out)
        click.echo(f"wrote {out}", err=True)
    _emit(json_out, payload, text)


@causal.command("did")
@click.argument("panel", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--treat", required=True, help="0/1 treatment column.")
@click.option(
    "--rings-km", callback=_rings, help="Distance rings in km instead of --w, comma-separated, e.g. 0,50,100."
)
@click.option(
    "--fixed-effects",
    type=click.Choice(["twoway", "unit", "time", "none"]),
    default="twoway",
    show_default=True,
)
@_causal_options
@_panel_file_options
@_json_option
@handle_errors
def causal_did(
    panel: Path,
    treat: str,
    rings_km: list[float] | None,
    fixed_effects: FixedEffects,
    id_col: str,
    time_col: str,
    y: str,
    weights_file: Path | None,
    controls: str,
    cluster: str,
    placebo: int,
    scheme: _Scheme,
    seed: int,
    out: Path | None,
    force: bool,
    panel_file: _PanelFile,
    json_out: bool,
    **geo: Any,
) -> None:
    """Spatial difference-in-differences: direct ATT, spillover and naive TWFE (causal.spatial_did)."""
    from spillover import causal
    from spillover import weights as wmod

    if (weights_file is None) == (rings_km is None):
        raise click.UsageError("give exactly one exposure: --w WEIGHTS_FILE or --rings-km (e.g. 0,50,100).")
    ctrl = _names(controls)
    sp = _causal_panel(
        panel,
        panel_file,
        id_col,
        time_col,
        [(y, "--y"), (treat, "--treat")] + [(c, "--controls") for c in ctrl],
        **geo,
    )
    w = wmod.load(weights_file, ids=sp) if weights_file else None
    res = causal.spatial_did(
        sp,
        y,
        treat,
        w=w,
        rings_km=rings_km,
        controls=ctrl,
        fixed_effects=fixed_effects,
        cluster=None if cluster == "none" else cluster,
    )
    _causal_emit(res, placebo, scheme, seed, json_out, out, force, panel)


@causal.command("event-study")
@click.argument("panel", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--treat-time", required=True, help="Column of each region's first treated period (empty or 0: never)."
)
@click.option(
    "--window",
    callback=_window,
    default="-4,4",
    show_default=True,
    help="Event times lo,hi (lo <= -2, hi >= 0).",
)
@click.option(
    "--method",
    type=click.Choice(["sun_abraham", "did2s", "twfe", "callaway_santanna"]),
    default="sun_abraham",
    show_default=True,
)
@click.option(
    "--control",
    type=click.Choice(["never", "notyet"]),
    default="never",
    show_default=True,
    help="callaway_santanna's comparison group: never treated or not yet treated.",
)
@_causal_options
@_panel_file_options
@_json_option
@handle_errors
def causal_event_study(
    panel: Path,
    treat_time: str,
    window: tuple[int, int],
    method: str,
    control: str,
    id_col: str,
    time_col: str,
    y: str,
    weights_file: Path | None,
    controls: str,
    cluster: str,
    placebo: int,
    scheme: _Scheme,
    seed: int,
    out: Path | None,
    force: bool,
    panel_file: _PanelFile,
    json_out: bool,
    **geo: Any,
) -> None:
    """Staggered-adoption event study with a pre-trend test (causal.event_study)."""
    from spillover import causal
    from spillover import weights as wmod

    ctrl = _names(controls)
    sp = _causal_panel(
        panel,
        panel_file,
        id_col,
        time_col,
        [(y, "--y"), (treat_time, "--treat-time")] + [(c, "--controls") for c in ctrl],
        **geo,
    )
    w = wmod.load(weights_file, ids=sp) if weights_file else None
    res = causal.event_study(
        sp,
        y,
        treat_time,
        w=w,
        window=window,
        method=method,  # type: ignore[arg-type]
        control=control,  # type: ignore[arg-type]
        controls=ctrl,
        cluster=None if cluster == "none" else cluster,
    )
    _causal_emit(res, placebo, scheme, seed, json_out, out, force, panel)


# ---------------------------------------------------------------------- threshold and model choice
def _plain_panel(o: dict[str, Any], columns: list[tuple[Any, str]]) -> Any:
    """The panel file as a SpatialPanel (with ``o["boundaries"]``: joined to them; without, as
    :func:`_disparity_panel`), the columns the options name checked, so an unknown one is bad input (exit 2)
    naming its option and the panel's variables."""
    import pandas as pd

    sp = _disparity_panel({"boundaries_id": None, **o})
    for names, option in columns:
        _columns(pd.DataFrame(columns=sp.variables), names, option)
    return sp


def _result_payload(res: Any, parts: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """``{"ok", "summary": {"title", "header"}, part: records...}`` of a result at full precision."""
    summary = res.summary()
    payload: dict[str, Any] = {
        "ok": True,
        "summary": {"title": summary.title, "header": {k: str(v) for k, v in summary.header.items()}},
    }
    payload.update({name: _records(frame) for name, frame in parts.items()})
    return payload


@main.command()
@click.argument("panel", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "id_col", required=True, help="Region column.")
@click.option("--time", "time_col", required=True, help="Period column.")
@click.option("--y", "y", required=True, help="Dependent variable.")
@click.option("--x", "x", default="", help="Regressors outside the regimes, comma-separated (default: none).")
@click.option("--q", "q", required=True, help="Threshold variable.")
@click.option(
    "--regime", required=True, help="Regressor(s) whose slope changes across regimes, comma-separated."
)
@click.option("--n-thresholds", type=click.IntRange(1, 3), default=1, show_default=True)
@click.option(
    "--trim",
    type=click.FloatRange(0, 0.5, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="Smallest share of observations in a regime.",
)
@click.option(
    "--draws",
    type=click.IntRange(min=0),
    default=300,
    show_default=True,
    help="Bootstrap draws of the threshold tests (0: none).",
)
@_SEED_OPTION
@click.option("--fixed-effects", type=click.Choice(["unit", "twoway"]), default="unit", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@_panel_file_options
@_json_option
@handle_errors
def threshold(**o: Any) -> None:
    """Hansen (1999) fixed-effects panel threshold regression (panel_models.threshold, Stata xthreg).

    Prints the summary (coefficients, thresholds with their LR intervals, bootstrap F tests) or, with
    --json, {"ok", "summary", "estimates", "thresholds", "tests"}, to stdout or --out.
    """
    from spillover import panel_models as pm
    from spillover.errors import PanelError

    if o["draws"] == 1:
        raise PanelError("--draws 1 gives no test; use 0 (none) or at least 2.")
    x, regime = _names(o["x"]), _names(o["regime"])
    columns = [(o["y"], "--y"), (o["q"], "--q"), (regime, "--regime")] + ([(x, "--x")] if x else [])
    sp = _plain_panel({**o, "boundaries": None}, columns)
    res = pm.threshold(
        sp,
        o["y"],
        x or None,
        o["q"],
        regime if len(regime) > 1 else regime[0],
        n_thresholds=o["n_thresholds"],
        trim=o["trim"],
        draws=o["draws"],
        seed=o["seed"],
        fixed_effects=o["fixed_effects"],
    )
    parts = {"estimates": res.to_frame(), "thresholds": res.thresholds, "tests": res.tests}
    if o["json_out"]:
        text = json.dumps(_result_payload(res, parts), indent=2, default=str)
    else:
        text = str(res.summary())
    _write_or_echo(text, o["out"], o["force"], o["panel"])


@main.command("model-choice")
@click.argument("panel", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "id_col", required=True, help="Region column.")
@click.option("--time", "time_col", required=True, help="Period column.")
@click.option("--y", "y", required=True, help="Dependent variable.")
@click.option("--x", "x", required=True, help="Regressors, comma-separated (interactions a:b allowed).")
@click.option(
    "--boundaries",
    required=True,
    help="Boundary file of the regions, or china_provinces / us_states for the shipped ones.",
)
@click.option("--boundaries-id", help="Region id column of a boundary file (default: --id).")
@click.option(
    "--weights-file",
    "weights_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A candidate W (repeat for several; labelled by file name; default: queen contiguity).",
)
@click.option(
    "--kinds",
    default="slx,sar,sem,sdm,sdem",
    show_default=True,
    help="Kinds compared, comma-separated (any of slx, sar, sem, sdm, sdem).",
)
@click.option(
    "--fixed-effects",
    type=click.Choice(["none", "unit", "time", "twoway"]),
    default="twoway",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@_panel_file_options
@_json_option
@handle_errors
def model_choice(**o: Any) -> None:
    """Which model and which W: posterior model probabilities (spatial.model_probabilities, LeSage 2014).

    Prints the summary or, with --json, {"ok", "summary", "probabilities" (kind, w, log_marginal,
    probability), "by_kind", "by_w", "best"}.
    """
    from spillover import spatial
    from spillover import weights as wmod
    from spillover.errors import SpilloverError
    from spillover.spatial.model_choice import CHOICE_KINDS

    kinds = _names(o["kinds"])
    unknown = [k for k in kinds if k not in CHOICE_KINDS]
    if unknown or not kinds:
        raise click.BadParameter(
            f"{o['kinds']!r}: give kinds among {', '.join(CHOICE_KINDS)}, comma-separated.",
            param_hint="--kinds",
        )
    x = _names(o["x"])
    base = [v for name in x for v in name.split(":")]  # interactions a:b name two columns
    sp = _plain_panel(o, [(o["y"], "--y"), (base, "--x")])
    files: tuple[Path, ...] = o["weights_files"]
    if len({f.stem for f in files}) != len(files):
        raise SpilloverError("two --weights-file share a file name; their labels must differ.")
    w = {f.stem: wmod.load(f, ids=sp) for f in files} or {"queen": wmod.contiguity(sp, kind="queen")}
    res = spatial.model_probabilities(sp, o["y"], x, w, kinds=kinds, fixed_effects=o["fixed_effects"])
    if o["json_out"]:
        parts = {
            "probabilities": res.to_frame(),
            "by_kind": res.by_kind.to_frame("probability"),
            "by_w": res.by_w.to_frame("probability"),
        }
        payload = _result_payload(res, parts)
        payload["best"] = list(res.best)
        text = json.dumps(payload, indent=2, default=str)
    else:
        text = str(res.summary())
    _write_or_echo(text, o["out"], o["force"], o["panel"])


@main.command("qgis-plugin")
@click.option(
    "--out",
    "out",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder to write the plugin folder 'spillover_qgis' (or, with --zip, its zip) into.",
)
@click.option(
    "--zip",
    "as_zip",
    is_flag=True,
    help="Write spillover_qgis-<version>.zip, the zip the QGIS plugin repository and 'Install from ZIP' take.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing spillover_qgis folder.")
@click.option("--force", is_flag=True, help="Replace an existing zip (with --zip).")
@handle_errors
def qgis_plugin(out: str, as_zip: bool, overwrite: bool, force: bool) -> None:
    """Write the QGIS plugin (Processing provider 'spillover') into OUT: a folder, or with --zip a zip."""
    from spillover.qgis.plugin import write_plugin, write_plugin_zip

    if as_zip:
        click.echo(str(write_plugin_zip(out, overwrite=force, option="--force")))
    else:
        click.echo(str(write_plugin(out, overwrite=overwrite)))
