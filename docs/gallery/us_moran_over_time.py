"""Moran's I over time: ln(gross state product), 1970-1986.

Global Moran's I per year on queen contiguity (row-standardised), with its expectation under no
autocorrelation.
"""

import spillover as so
from spillover import maps

panel = so.datasets.us_states()
w = so.weights.contiguity(panel, kind="queen")
table = so.moran_by_period(panel, "ln_gsp", w, permutations=0)
fig = maps.moran_over_time(table, title="Moran's I of ln(gsp), 48 states, queen contiguity")
