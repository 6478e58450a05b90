"""The ``spillover`` command line."""

from __future__ import annotations

import click

from spillover import __version__


@click.group()
@click.version_option(__version__, prog_name="spillover")
def main() -> None:
    """spillover: regional spatial econometrics with GIS integration."""


@main.command()
def demo() -> None:
    """Run the study demo on the shipped data and print what it finds."""
    from spillover.demo import run_demo

    run_demo(click.echo)
