"""The demo, run by ``spillover demo`` (and ``make demo``): the two studies shipped with spillover.

* ``us_states.toml`` -- real data: Munnell's Produc panel of the 48 contiguous US states, Malmquist TFP merged
  into the panel, Moran's I by year, LM tests, two-way SDM under queen and inverse-distance weights, effects;
* ``china_simulated.toml`` -- SIMULATED data: China's 31 provinces 2003-2021 drawn from a two-way SDM with
  known parameters under the economic-geographic nested W; its report shows the true parameters beside the
  estimates.

Each study writes a self-contained HTML report, a GeoPackage and the tables; the demo prints the paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from spillover import io, study
from spillover.errors import OverwriteError
from spillover.options import renamed
from spillover.study.progress import StudyProgress
from spillover.study.results import StudyRun

Echo = Callable[[str], None]


@renamed(force="overwrite")
def run_demo(
    out: str | os.PathLike[str] = "spillover-demo",
    *,
    overwrite: bool = False,
    echo: Echo = print,
    progress: StudyProgress = False,
) -> dict[str, StudyRun]:
    """Run both shipped studies into ``out/<name>`` and print what they wrote.

    ``out`` is marked as spillover's when the demo creates it (or finds it empty).  With ``overwrite`` the
    earlier demo outputs are replaced, and ``out`` must be such a folder: the demo never replaces anything in
    a folder of the user's (see :func:`spillover.io.check_output_folder`).  ``progress`` is passed to each
    :func:`spillover.study.run` (False in the API; ``spillover demo`` shows the steps).
    """
    folder = _demo_folder(Path(out), overwrite)
    runs = {}
    for name in study.EXAMPLES:
        echo(f"== {name}: {study.load(study.example_path(name)).title}")
        run = study.run(study.example_path(name), out=folder / name, overwrite=overwrite, progress=progress)
        runs[name] = run
        _summary(echo, run)
    echo("")
    echo("Open the reports in a browser and the GeoPackages in QGIS:")
    for run in runs.values():
        for kind in ("report", "geopackage"):
            for path in run.files[kind]:
                echo(f"  {path}")
    return runs


def _demo_folder(folder: Path, overwrite: bool) -> Path:
    """Create and mark the demo folder; with ``overwrite`` refuse a non-empty folder the demo did not write."""
    fresh = not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))
    if overwrite and not fresh and not io.is_output_folder(folder):
        raise OverwriteError(
            f"refusing to replace demo outputs in {folder}: it has no {io.OUTPUT_MARKER} file, so spillover "
            "did not write it and it may hold your own files; choose another --out folder (or run without "
            "--force)."
        )
    folder.mkdir(parents=True, exist_ok=True)
    if fresh:
        io.mark_output_folder(folder, "spillover.demo.run_demo")
    return folder


def _summary(echo: Echo, run: StudyRun) -> None:
    truth = run.tables.get("truth")
    if truth is not None:
        frame = truth.frame
        inside = int(frame["within 2 SE"].sum())
        echo(f"   true parameters recovered within two standard errors: {inside} of {len(frame)}")
    for name, res in run.models.items():
        rho = f"rho = {res.rho:.3f} ({res.rho_se:.3f})" if res.rho is not None else ""
        echo(f"   {name}: {rho}, log-likelihood {res.loglik:.2f}")
    echo(f"   wrote {run.folder} ({sum(len(v) for v in run.files.values())} files, {run.seconds:.1f} s)")
