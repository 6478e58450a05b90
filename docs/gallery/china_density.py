"""Distribution dynamics: kernel densities of relative GDP per capita.

Gaussian kernel densities of each province's GDP per capita relative to the national mean in four years
(the simulated China panel): a distribution that narrows is converging.
"""

import spillover as so
from spillover import disparity, maps

china = so.datasets.china_simulated()
kde = disparity.kernel_density(china, "gdp_pc", periods=[2003, 2009, 2015, 2021], relative=True)
fig = maps.density_plot(kde, title="Kernel density of relative GDP per capita (simulated)")
