"""The ``measure`` command line: a thin front end over the library (no statistics here)."""

from __future__ import annotations

import click

from measure import __version__
from measure.cli.calibrate import calibrate_cmd
from measure.cli.compare import compare_cmd
from measure.cli.instruments import instruments
from measure.cli.report import report_cmd
from measure.cli.score import score_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="measure")
def cli() -> None:
    """Rasch measures with standard errors from ordinal survey answers."""


cli.add_command(calibrate_cmd)
cli.add_command(score_cmd)
cli.add_command(compare_cmd)
cli.add_command(instruments)
cli.add_command(report_cmd)


def main() -> None:
    cli(prog_name="measure")


if __name__ == "__main__":  # pragma: no cover
    main()
