"""The whole study from one TOML file: ``spillover.study.run("study.toml")`` (= ``spillover run study.toml``).

A study file declares the panel and boundaries, the indicators to build, productivity (Malmquist TFP), the
weight matrices, the variables, Moran's I / LISA, LM tests, the spatial models (kinds x fixed effects x
weights), tests, effects, maps and outputs.  :func:`load` validates all of it before anything is computed
and reports every mistake with its key and line (:class:`StudyError`); :func:`run` computes and writes

* ``report.html``: one self-contained file (CSS inline, figures embedded, no external URL);
* ``regions.gpkg``: a GeoPackage 1.2 layer with one row per region (attributes, variable means, LISA
  cluster per period, direct/emitted/received spillovers per regressor), ready for QGIS;
* ``tables/``: every table as CSV, LaTeX (booktabs) and Stata ``.dta``, and all of them in ``tables.xlsx``;
* ``study.toml``: the study file as run.

The output folder is written as a temporary sibling and renamed at the end, so it is either absent or
complete; an existing folder is replaced only with ``overwrite=True``, and only if spillover wrote it (it has a
``.spillover-output`` file) and it holds neither the study file nor any file the study reads.

Examples
--------
>>> import spillover.study as st
>>> study = st.loads('''
... [study]
... title = "US states"
... [data]
... dataset = "us_states"
... [variables]
... y = "ln_gsp"
... x = ["ln_pcap", "ln_pc"]
... ''')
>>> study.title, study.x
('US states', ['ln_pcap', 'ln_pc'])
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Any

from spillover.errors import SpilloverWarning
from spillover.options import renamed, warn
from spillover.study.progress import StepEvent, StudyProgress, steps
from spillover.study.results import StudyRun
from spillover.study.validate import ModelSpec, Problem, Study, StudyError, load, loads

__all__ = [
    "run",
    "load",
    "loads",
    "Study",
    "StudyError",
    "Problem",
    "ModelSpec",
    "StudyRun",
    "StepEvent",
    "output_folder",
    "example_path",
    "EXAMPLES",
]

#: studies shipped with spillover (``spillover demo`` runs them)
EXAMPLES = ("us_states", "china_simulated")


def example_path(name: str) -> Path:
    """Path of a shipped example study file (``"us_states"``, ``"china_simulated"`` or ``"init"``)."""
    from importlib.resources import files

    path = Path(str(files("spillover.study") / "examples" / f"{name}.toml"))
    if not path.is_file():
        raise FileNotFoundError(f"no shipped study {name!r}; shipped: {list(EXAMPLES)}")
    return path


def output_folder(study: Study, out: str | os.PathLike[str] | None = None) -> Path:
    """Where a study writes: ``out``, else ``[output].folder``, else ``<study file stem>-results``."""
    if out is not None:
        return Path(out).expanduser().absolute()
    folder = study.options("output").get("folder")
    if folder:
        return study.resolve(folder).absolute()
    stem = study.path.stem if study.path is not None else "study"
    return (study.base / f"{stem}-results").absolute()


@renamed(force="overwrite")
def run(
    path: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: StudyProgress = False,
) -> StudyRun:
    """Validate and run a study file; write the report, GeoPackage and tables into a new folder.

    Parameters
    ----------
    path
        The study file (TOML).
    out
        Output folder (default: ``[output].folder`` or ``<study file stem>-results`` beside the file).
    overwrite
        Replace an existing output folder that an earlier run wrote (a folder without spillover's
        ``.spillover-output`` marker, or holding the study file or an input of the study, is never replaced).
    progress
        False (default) shows nothing; True shows each step (rich on a terminal, plain lines otherwise: what
        ``spillover run`` shows); a callable ``update(done, total)`` is told the finished steps, as every
        ``progress=`` of the package; a callable taking one :class:`StepEvent` is called when each step
        starts and ends (QGIS passes its feedback here).

    Raises
    ------
    StudyError
        The study file has mistakes (all of them are listed; nothing was computed).
    OverwriteError
        The output folder exists and ``overwrite`` is False, or it may not be replaced (checked before
        computing).
    """
    from spillover.study import outputs
    from spillover.study.runner import compute

    t0 = time.perf_counter()
    report = steps(progress)
    study = load(path)
    target = output_folder(study, out)
    outputs.check_target(target, overwrite, inputs=input_files(study))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        ctx = compute(study, progress=report)
        messages = _messages(caught)
        total = len(_steps(study)) + 1
        report(StepEvent("outputs", "Write report, GeoPackage and tables", total, total, "start"))
        t1 = time.perf_counter()
        files = _write(ctx, study, target, overwrite, messages)
        report(
            StepEvent(
                "outputs",
                "Write report, GeoPackage and tables",
                total,
                total,
                "done",
                time.perf_counter() - t1,
                str(target),
            )
        )
    for w in caught:
        if issubclass(w.category, SpilloverWarning):
            warn(str(w.message), w.category)
    return StudyRun(target, files, dict(ctx.tables), dict(ctx.models), messages, time.perf_counter() - t0)


def input_files(study: Study) -> list[Path]:
    """The files a study reads: the study file, the panel and boundary files and the weights files."""
    files = [study.path] if study.path is not None else []
    for section in ("data", "boundaries"):
        spec = study.section(section) or {}
        if "file" in spec:
            files.append(study.resolve(spec["file"]))
    files += [
        study.resolve(e["path"]) for e in study.weights.values() if e.get("kind") == "file" and "path" in e
    ]
    return files


def _steps(study: Study) -> list[Any]:
    from spillover.study.runner import STEPS

    return [s for s in STEPS if s.wanted(study)]


def _messages(caught: list[warnings.WarningMessage]) -> list[str]:
    seen: dict[str, None] = {}
    for w in caught:
        seen.setdefault(f"{w.category.__name__}: {w.message}", None)
    return list(seen)


def _write(
    ctx: Any, study: Study, target: Path, overwrite: bool, messages: list[str]
) -> dict[str, list[Path]]:
    from spillover.study import outputs
    from spillover.study.report import kept_names, render_report

    spec = study.options("output")
    files: dict[str, list[Path]] = {"report": [], "geopackage": [], "tables": [], "study": []}
    writer = f"spillover.study.run({study.path or 'study text'})"
    with outputs.staging_folder(target, overwrite=overwrite, inputs=input_files(study), writer=writer) as tmp:
        (tmp / "study.toml").write_text(study.source, encoding="utf-8")
        files["study"].append(Path("study.toml"))
        if spec["report"]:
            (tmp / "report.html").write_text(render_report(ctx, messages), encoding="utf-8")
            files["report"].append(Path("report.html"))
        if spec["geopackage"]:
            outputs.write_geopackage(outputs.region_layer(ctx), tmp / "regions.gpkg")
            files["geopackage"].append(Path("regions.gpkg"))
        formats = spec["tables"]
        if formats:
            language = study.options("report")["language"]
            written = outputs.write_tables(ctx.tables, tmp, formats, language, kept_names(ctx))
            files["tables"] = [p.relative_to(tmp) for p in written]
    return {k: [target / p for p in v] for k, v in files.items()}
