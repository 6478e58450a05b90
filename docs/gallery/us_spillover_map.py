"""Spillover map: the effects of private capital in a two-way fixed-effects SDM.

The direct and indirect (spillover) effects of ln(private capital) on ln(gsp) for each state, from the
spatial Durbin model of the quick start (with the Lee-Yu bias correction); 200 simulation draws for
the significance.
"""

import spillover as so
from spillover import maps

panel = so.datasets.us_states()
w = so.weights.contiguity(panel, kind="queen")
x = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]
model = so.SpatialPanelModel(
    panel, "ln_gsp", x, w, kind="sdm", fixed_effects="twoway", bias_correction="lee-yu"
)
res = model.fit()
fig = maps.spillover_map(res, "ln_pc", draws=200, seed=0)
