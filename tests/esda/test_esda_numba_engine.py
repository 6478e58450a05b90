"""numba is a dependency (pyproject) so that esda's conditional-randomisation engine runs compiled: without
it ``esda.crand`` silently falls back to libpysal's no-op ``jit`` and pure Python (issue #24, item 6:
LISA was 2.2x slower that way)."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import esda.crand
import numba.core.registry


def test_numba_is_a_declared_dependency():
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    deps = [d.split(">")[0].split("=")[0].strip() for d in pyproject["project"]["dependencies"]]
    assert "numba" in deps
    assert importlib.metadata.version("numba")


def test_esda_permutation_kernels_are_numba_compiled():
    # the fallback replaces these by plain Python functions (libpysal.common.jit returns them unchanged)
    assert isinstance(esda.crand.compute_chunk, numba.core.registry.CPUDispatcher)
    assert esda.crand.prange is not range
