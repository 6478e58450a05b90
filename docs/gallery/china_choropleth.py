"""China's provinces: GDP per capita in the simulated panel, 2021.

The shipped province boundaries with the South China Sea inset; the values are the SIMULATED China panel
shipped for the demo, not statistics.
"""

import spillover as so
from spillover import maps

china = so.datasets.china_simulated()
fig = maps.choropleth(china, "gdp_pc", 2021, k=5, language="en", title="GDP per capita, 2021 (simulated)")
