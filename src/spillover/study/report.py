"""The study report: one self-contained HTML file (CSS inline, figures as base64 data URIs, no URL)."""

from __future__ import annotations

import base64
import importlib.metadata
import platform
from importlib import resources
from typing import Any

__all__ = ["render_report", "software_versions"]

_PACKAGES = ("spillover", "numpy", "scipy", "pandas", "geopandas", "shapely", "pyogrio", "libpysal", "esda",
             "spreg", "linearmodels", "highspy", "matplotlib", "mapclassify", "jinja2")


def software_versions() -> list[tuple[str, str]]:
    """(name, version) of Python and the packages behind the numbers."""
    out = [("python", platform.python_version())]
    for name in _PACKAGES:
        try:
            out.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return out


def render_report(ctx: Any, warnings: list[str]) -> str:
    """The report's HTML for a computed study context."""
    import jinja2

    from spillover import __version__

    templates = resources.files("spillover.study") / "templates"
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    template = env.from_string((templates / "report.html.j2").read_text(encoding="utf-8"))
    study = ctx.study
    meta = study.sections["study"]
    return template.render(
        title=study.title,
        description=meta.get("description", ""),
        simulated=bool(meta.get("simulated")),
        version=__version__,
        study_name=study.path.name if study.path is not None else "(text)",
        seed=study.seed,
        sections=list(ctx.sections.values()),
        warnings=warnings,
        study_text=study.source,
        versions=software_versions(),
        css=(templates / "report.css").read_text(encoding="utf-8"),
    )
