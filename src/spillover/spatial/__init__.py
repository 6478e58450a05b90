"""Spatial panel models: fit, impacts, specification tests."""
