"""Data files shipped with spillover (see README.md in this folder); not a Python API."""
