"""Maps and figures for papers: spillover maps, choropleths, LISA clusters, Moran's I over time, links.

Every function returns a :class:`matplotlib.figure.Figure` (and takes ``ax=`` where one axes suffices);
:func:`save` writes it as PNG, SVG or PDF, atomically and with nothing clipped.

* :func:`spillover_map` - direct effect, spillover emitted and received per region of a fitted spatial model,
  three panels on one zero-centred diverging scale (numbers: ``result.spillovers(x)``);
  :func:`spillover_flows` - the effect of a change in one region on every other.
* :func:`choropleth` / :func:`small_multiples` - a variable in one period / several periods on one scale
  (mapclassify: quantiles, natural breaks, equal interval, user breaks), counts per class in the legend.
* :func:`lisa_map` - LISA clusters in GeoDa's palette (:data:`LISA_COLORS`), islands and regions without
  data grey and hatched (:data:`NO_DATA_COLOR`, :data:`NO_DATA_HATCH`); :func:`moran_scatter`;
  :func:`moran_over_time` - Moran's I per period with its confidence band.
* :func:`hotspot_map` - Gi* hot and cold spots at 90 / 95 / 99 % (:data:`HOTSPOT_COLORS`);
  :func:`local_cluster_map` - local Geary, bivariate LISA and join-count clusters; :func:`emerging_hotspot_map`
  - emerging hot-spot categories.
* :func:`links_map` - the links of a weights matrix.
* :func:`dagum_plot`, :func:`theil_plot`, :func:`density_plot`, :func:`markov_heatmap`, :func:`convergence_plot`
  - the figures of :mod:`spillover.disparity` (decompositions over time, kernel density curves and surface,
  transition heat maps, sigma and beta convergence).
* :func:`threshold_plot` - the LR(gamma) curves of a panel threshold model with the critical value.
* :func:`event_study_plot` - event-time coefficients with intervals and the pre-trend test;
  :func:`placebo_plot` - a placebo distribution against the real estimate (:mod:`spillover.causal`).
* :func:`model_probability_plot` - posterior probabilities of spatial models and weights matrices (bars by
  kind grouped by W, from :func:`spillover.spatial.model_probabilities`).

China conventions (:mod:`spillover.maps._china`) apply when the regions are China's provincial units (the
shipped layer; detected from the ids, or ``china=True``): the whole territory with Hong Kong, Macao and
Taiwan as "No data" when not analysed, the South China Sea islands in an inset at the bottom right, an
Albers equal-area projection (:data:`CHINA_CRS`), Chinese labels when a CJK font is installed.  Any text
with Chinese characters (titles, axes, legends, colorbars) is drawn with that font (:func:`cjk_text`).  Maps
published in China need the official standard base map and its review number, which spillover cannot
provide.  See ``docs/maps.md``.
"""

from spillover.esda import LISA_COLORS, NOT_SIGNIFICANT
from spillover.maps._base import NO_DATA_COLOR, NO_DATA_HATCH, NO_DATA_LABEL, cjk_text, save
from spillover.maps._causal import event_study_plot, placebo_plot
from spillover.maps._china import CHINA_CRS, cjk_font
from spillover.maps._choropleth import Scheme, choropleth, classify, small_multiples
from spillover.maps._disparity import (
    convergence_plot,
    dagum_plot,
    density_plot,
    markov_heatmap,
    theil_plot,
)
from spillover.maps._hotspots import (
    CLUSTER_COLORS,
    EMERGING_COLORS,
    HOTSPOT_COLORS,
    emerging_hotspot_map,
    hotspot_map,
    local_cluster_map,
)
from spillover.maps._links import links_map
from spillover.maps._lisa import LISA_ORDER, lisa_cluster_map, lisa_map, moran_over_time, moran_scatter
from spillover.maps._model_choice import model_probability_plot
from spillover.maps._spillovers import spillover_flows, spillover_map
from spillover.maps._threshold import threshold_plot

__all__ = [
    "CLUSTER_COLORS",
    "EMERGING_COLORS",
    "HOTSPOT_COLORS",
    "emerging_hotspot_map",
    "hotspot_map",
    "local_cluster_map",
    "CHINA_CRS",
    "LISA_COLORS",
    "LISA_ORDER",
    "NOT_SIGNIFICANT",
    "NO_DATA_COLOR",
    "NO_DATA_HATCH",
    "NO_DATA_LABEL",
    "Scheme",
    "choropleth",
    "cjk_font",
    "cjk_text",
    "classify",
    "convergence_plot",
    "dagum_plot",
    "density_plot",
    "event_study_plot",
    "links_map",
    "lisa_cluster_map",
    "lisa_map",
    "markov_heatmap",
    "moran_over_time",
    "model_probability_plot",
    "moran_scatter",
    "placebo_plot",
    "save",
    "small_multiples",
    "spillover_flows",
    "spillover_map",
    "theil_plot",
    "threshold_plot",
]
