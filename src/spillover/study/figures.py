"""Figures of the study report (drawn by :mod:`spillover.maps`), rendered to PNG or SVG bytes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from spillover import maps

if TYPE_CHECKING:
    from spillover.study.results import Section

__all__ = ["render", "module_maps", "effect_units", "translate_figure"]


def translate_figure(fig: Any, language: str) -> bool:
    """Titles and axis labels the report wrote into ``fig``, in ``language`` (:mod:`spillover._labels`).

    Only when matplotlib has a font with Chinese glyphs (:func:`spillover.maps.cjk_font`): without one the
    figure keeps its English text (boxes would be worse) and False comes back, for the study to warn once.
    Variable names are never translated.
    """
    from spillover import _labels

    if language == "en":
        return True
    if maps.cjk_font() is None:
        return False
    for ax in fig.axes:
        for loc in ("center", "left", "right"):
            if title := ax.get_title(loc):
                ax.set_title(_labels.text(title, language), loc=loc)
        ax.set_xlabel(_labels.text(ax.get_xlabel(), language))
        ax.set_ylabel(_labels.text(ax.get_ylabel(), language))
    if suptitle := fig.get_suptitle():
        fig.suptitle(_labels.text(suptitle, language))
    return True


def render(fig: Any, fmt: str, dpi: int) -> tuple[bytes, str]:
    """The figure's bytes and MIME type; the figure is closed afterwards (pyplot keeps no reference)."""
    buf = io.BytesIO()
    maps.cjk_text(fig)  # Chinese variable names in titles, axes and legends: the CJK font, not boxes
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", metadata=_metadata(fmt))
    _close(fig)
    return buf.getvalue(), "image/png" if fmt == "png" else "image/svg+xml"


def _metadata(fmt: str) -> dict[str, Any]:
    # no creation date: the same study gives the same bytes
    return {"Software": None} if fmt == "png" else {"Date": None}


def _close(fig: Any) -> None:
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)


def effect_units(y_units: str | None, x_units: str | None, x: str) -> str | None:
    """Units of an effect of ``x`` on y from ``[data] units``: "<y units> per <x units>" (None if neither).

    >>> effect_units("10,000 yuan", "%", "gov"), effect_units("10,000 yuan", None, "gov")
    ('10,000 yuan per %', '10,000 yuan per unit of gov')
    >>> effect_units(None, "%", "gov"), effect_units(None, None, "gov")
    ('per % of gov', None)
    """
    if y_units and x_units:
        return f"{y_units} per {x_units}"
    if y_units:
        return f"{y_units} per unit of {x}"
    return f"per {x_units} of {x}" if x_units else None


def module_maps(ctx: Any, sec: Section, spec: dict[str, Any]) -> int:
    """The maps ``[maps]`` asks for besides LISA: spillovers, choropleths, small multiples, links."""
    n = 0
    panel = ctx.panel
    units = ctx.study.units
    for x in spec.get("spillover", []):
        res = ctx.models[ctx.map_model]
        effects = ctx.spillovers[x]  # the frame written to the GeoPackage: the same draws
        fig = maps.spillover_map(
            res, x, geometry=panel, spillovers=effects, units=effect_units(units(res.y_name), units(x), x)
        )
        level = effects.attrs.get("level")
        hatch = (
            f"; hatched where the {level:.0%} interval ({effects.attrs['draws']} draws) covers 0"
            if level
            else ""
        )
        ctx.add_figure(
            sec,
            f"spillover_{x}",
            fig,
            f"Effects of {x} by region ({ctx.map_model}): direct, spillover emitted, received{hatch}",
        )
        n += 1
    for var in spec.get("choropleth", []):
        fig = maps.choropleth(
            panel, var, period=panel.periods[-1], scheme=spec["scheme"], k=spec["k"], units=units(var)
        )
        ctx.add_figure(sec, f"choropleth_{var}", fig, f"{var}, {panel.periods[-1]}")
        n += 1
    for var in spec.get("small_multiples", []):
        fig = maps.small_multiples(panel, var, scheme=spec["scheme"], k=spec["k"], units=units(var))
        ctx.add_figure(sec, f"small_multiples_{var}", fig, f"{var} by period")
        n += 1
    if spec.get("links"):
        for name, w in ctx.weights.items():
            ctx.add_figure(sec, f"links_{name}", maps.links_map(w, panel), f"Links of the weights '{name}'")
            n += 1
    return n
