"""Choropleth: unemployment in the 48 US states, 1986.

Natural-breaks classes (mapclassify) on the shipped Munnell panel, with the units in the legend.
"""

import spillover as so
from spillover import maps

panel = so.datasets.us_states()
fig = maps.choropleth(
    panel, "unemp", 1986, scheme="natural_breaks", k=5, units="%", title="Unemployment, 1986"
)
