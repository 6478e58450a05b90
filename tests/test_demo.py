"""`spillover demo` (what `make demo` runs) finishes and prints each stage of the study."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from spillover.cli import main


@pytest.fixture(scope="module")
def demo_output() -> str:
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_runs_every_stage(demo_output):
    out = demo_output
    assert "48 regions x 17 periods = 816 observations (balanced)" in out
    assert "Spatial weights: 48 regions, 214 links" in out  # states48.gal has 214 queen links
    assert "Global Moran's I of ln(gsp)" in out and "robust LM lag" in out
    assert "Main         Wx      Direct   Indirect    Total" in out
    assert "Wald SDM vs SAR" in out
    assert "island 'Hainan' attached to its nearest: 'Guangdong'" in out
    assert "43 farms x 8 years (1990-1997)" in out


def test_demo_reports_productivity(demo_output):
    out = demo_output
    assert "Malmquist TFP of the states" in out and "Moran's I of cumulative TFP (1986 over 1970)" in out
    assert "Malmquist indices by year (geometric means over farms)" in out
