"""The study report: one self-contained HTML file (CSS inline, figures as base64 data URIs, no URL)."""

from __future__ import annotations

import base64
import importlib.metadata
import platform
import re
from importlib import resources
from typing import Any

__all__ = ["render_report", "software_versions"]

#: The engines behind the numbers, first in the table; every other runtime dependency of the installed
#: distribution follows (:func:`_requirements`), so a new engine cannot be left out of the report.
_PACKAGES = (
    "spillover",
    "numpy",
    "scipy",
    "pandas",
    "geopandas",
    "shapely",
    "pyogrio",
    "pyproj",
    "libpysal",
    "esda",
    "spreg",
    "linearmodels",
    "pyfixest",
    "highspy",
    "matplotlib",
    "mapclassify",
    "jinja2",
)
#: Optional engines, listed when installed.
_OPTIONAL = ("wildboottest", "numba", "dask")


def software_versions() -> list[tuple[str, str]]:
    """(name, version) of Python, the engines behind the numbers and every runtime dependency of spillover.

    Examples
    --------
    >>> names = [name for name, _ in software_versions()]
    >>> names[0], {"pyfixest", "linearmodels", "spreg", "esda", "libpysal", "highspy"} <= set(names)
    ('python', True)
    """
    out = [("python", platform.python_version())]
    for name in dict.fromkeys((*_PACKAGES, *_requirements())):
        out.append((name, _version(name) or "not installed"))
    out += [(name, v) for name in _OPTIONAL if name not in _PACKAGES and (v := _version(name))]
    return out


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _requirements() -> list[str]:
    """Names of spillover's runtime requirements (extras left out), from the installed metadata."""
    try:
        reqs = importlib.metadata.requires("spillover") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    names = []
    for req in reqs:
        if "extra" in req.partition(";")[2]:  # an optional extra (test, docs): not behind the numbers
            continue
        names.append(re.split(r"[\s<>=!~;\[(]", req.strip(), maxsplit=1)[0].lower())
    return names


#: ``<html lang>`` of each report language (BCP 47): browsers pick Chinese glyph forms from it
_HTML_LANG = {"en": "en", "zh": "zh-CN"}


def kept_names(ctx: Any) -> frozenset[str]:
    """The names a translated report and its tables never translate: the panel's variables."""
    return frozenset(map(str, ctx.panel.variables)) if ctx.panel is not None else frozenset()


def render_report(ctx: Any, warnings: list[str]) -> str:
    """The report's HTML for a computed study context."""
    import jinja2

    from spillover import __version__, _labels
    from spillover.summary import translate

    templates = resources.files("spillover.study") / "templates"
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    # [report] language: headings, table headers and notes through the one translation table
    language = ctx.study.options("report")["language"]
    env.filters["tr"] = lambda english: _labels.text(english, language)
    keep = kept_names(ctx)  # the study's variables keep their names, whatever they are called
    env.filters["table_html"] = lambda summary: translate(summary, language, keep).as_html()
    template = env.from_string((templates / "report.html.j2").read_text(encoding="utf-8"))
    study = ctx.study
    meta = study.sections["study"]
    return template.render(
        title=study.title,
        language=language,
        html_lang=_HTML_LANG[language],
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
