"""LISA clusters: ln(gross state product), 1986.

Local Moran with 999 seeded permutations; high-high, low-low, high-low and low-high regions at the 5 % level.
"""

import spillover as so
from spillover import maps

panel = so.datasets.us_states()
w = so.weights.contiguity(panel, kind="queen")
fig = maps.lisa_map(panel, "ln_gsp", w, 1986, alpha=0.05, permutations=999, seed=0)
