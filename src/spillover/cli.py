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


@main.command("qgis-plugin")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder to write the plugin folder 'spillover_qgis' into.")
@click.option("--overwrite", is_flag=True, help="Replace an existing spillover_qgis folder.")
def qgis_plugin(out: str, overwrite: bool) -> None:
    """Write the QGIS plugin folder (Processing provider 'spillover') into OUT."""
    from spillover.qgis.plugin import write_plugin

    click.echo(str(write_plugin(out, overwrite=overwrite)))
