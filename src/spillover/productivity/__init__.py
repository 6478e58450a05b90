"""Productivity: DEA, Malmquist TFP, bootstrap, DEAP I/O."""
