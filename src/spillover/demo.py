"""The demo study on the shipped data, run by ``spillover demo`` (and ``make demo``)."""

from __future__ import annotations

from collections.abc import Callable

from spillover import datasets


def run_demo(echo: Callable[[str], None] = print) -> None:
    """Load the shipped data sets, build the panels and describe them."""
    echo("== US states: Munnell's Produc panel (libpysal us48 shapes) ==")
    panel = datasets.us_states()
    echo(panel.describe())
    rice = datasets.rice_farms()
    echo("")
    echo("== Philippines rice farms (Coelli et al. 2005) ==")
    echo(
        f"{rice['farm'].nunique()} farms x {rice['year'].nunique()} years "
        f"({rice['year'].min()}-{rice['year'].max()}), {len(rice)} rows, balanced: "
        f"{len(rice) == rice['farm'].nunique() * rice['year'].nunique()}"
    )
