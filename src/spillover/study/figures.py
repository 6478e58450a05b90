"""Figures of the study report (drawn by :mod:`spillover.maps`), rendered to PNG or SVG bytes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from spillover import maps

if TYPE_CHECKING:
    from spillover.study.results import Section

__all__ = ["render", "module_maps"]


def render(fig: Any, fmt: str = "png", dpi: int = 110) -> tuple[bytes, str]:
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


def module_maps(ctx: Any, sec: Section, spec: dict[str, Any]) -> int:
    """The maps ``[maps]`` asks for besides LISA: spillovers, choropleths, small multiples, links."""
    n = 0
    panel = ctx.panel
    for x in spec.get("spillover", []):
        res = ctx.models[ctx.map_model]
        ctx.add_figure(sec, f"spillover_{x}", maps.spillover_map(res, x, geometry=panel),
                       f"Effects of {x} by region ({ctx.map_model}): direct, spillover emitted, received")
        n += 1
    for var in spec.get("choropleth", []):
        fig = maps.choropleth(panel, var, period=panel.periods[-1], scheme=spec["scheme"], k=spec["k"])
        ctx.add_figure(sec, f"choropleth_{var}", fig, f"{var}, {panel.periods[-1]}")
        n += 1
    for var in spec.get("small_multiples", []):
        fig = maps.small_multiples(panel, var, scheme=spec["scheme"], k=spec["k"])
        ctx.add_figure(sec, f"small_multiples_{var}", fig, f"{var} by period")
        n += 1
    if spec.get("links"):
        for name, w in ctx.weights.items():
            ctx.add_figure(sec, f"links_{name}", maps.links_map(w, panel), f"Links of the weights '{name}'")
            n += 1
    return n
