"""Figures of the study report, rendered to PNG or SVG bytes without touching pyplot's global state.

The LISA map and the Moran scatter plot come from :mod:`spillover.esda`; the maps of :mod:`spillover.maps`
(spillover, choropleth, small multiples, links) are drawn when the study asks for them and that module is
installed (the validator rejects those keys otherwise).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from spillover import esda

if TYPE_CHECKING:
    from spillover.study.results import Section

__all__ = ["render", "moran_over_time", "moran_scatter", "lisa", "module_maps"]


def render(fig: Any, fmt: str = "png", dpi: int = 110) -> tuple[bytes, str]:
    """The figure's bytes and MIME type; a pyplot figure is closed afterwards."""
    buf = io.BytesIO()
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


def moran_over_time(table: pd.DataFrame, var: str) -> Figure:
    """Moran's I by period with its expectation under no autocorrelation; filled markers where p < 0.05."""
    fig = Figure(figsize=(6.5, 3.2), layout="constrained")
    ax = fig.subplots()
    periods = [str(p) for p in table.index]
    ax.plot(periods, table["I"], color="#1f4fd8", marker="o", markerfacecolor="white", label="Moran's I")
    sig = table["p_norm"] < 0.05
    ax.plot([p for p, s in zip(periods, sig) if s], table.loc[sig, "I"], "o", color="#1f4fd8",
            label="p < 0.05")
    ax.axhline(float(table["E[I]"].iloc[0]), color="grey", linestyle="--", linewidth=1, label="E[I]")
    ax.set_ylabel("Moran's I")
    ax.set_title(f"Global Moran's I of {var}")
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    return fig


def moran_scatter(panel: Any, var: str, w: Any, period: Any, seed: int) -> Figure:
    """Moran scatter plot (spillover.esda) on its own figure."""
    fig = Figure(figsize=(5.5, 4.5), layout="constrained")
    esda.moran_scatter_plot(panel, var, w, period=period, ax=fig.subplots(), seed=seed)
    return fig


def lisa(result: Any, panel: Any) -> Figure:
    """LISA cluster map (spillover.esda) on its own figure."""
    fig = Figure(figsize=(8, 5.5), layout="constrained")
    esda.lisa_map(result, panel, ax=fig.subplots())
    return fig


def module_maps(ctx: Any, sec: Section, maps: dict[str, Any]) -> int:
    """Maps drawn by spillover.maps; returns how many were added (0 if none were asked for)."""
    wanted = [k for k in ("spillover", "choropleth", "small_multiples", "moran_over_time", "links") if maps.get(k)]
    if not wanted:
        return 0
    from spillover import maps as mp  # the validator guarantees the module exists when keys are given

    n = 0
    panel = ctx.panel
    for x in maps.get("spillover", []):
        res = ctx.models[ctx.map_model]
        ctx.add_figure(sec, f"spillover_{x}", mp.spillover_map(res, x),
                       f"Spillovers of {x} ({ctx.map_model}): direct, emitted, received")
        n += 1
    for var in maps.get("choropleth", []):
        ctx.add_figure(sec, f"choropleth_{var}", mp.choropleth(panel, var, period=panel.periods[-1],
                                                               scheme=maps["scheme"], k=maps["k"]),
                       f"{var}, {panel.periods[-1]}")
        n += 1
    for var in maps.get("small_multiples", []):
        ctx.add_figure(sec, f"small_multiples_{var}", mp.small_multiples(panel, var), f"{var} by period")
        n += 1
    if maps.get("moran_over_time"):
        for var, table in ctx.moran.items():
            ctx.add_figure(sec, f"moran_over_time_{var}", mp.moran_over_time(table), f"Moran's I of {var}")
            n += 1
    if maps.get("links"):
        for name, w in ctx.weights.items():
            ctx.add_figure(sec, f"links_{name}", mp.links_map(w, panel.geometry), f"Links of weights {name}")
            n += 1
    return n
