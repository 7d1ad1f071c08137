"""The ``measure`` command line: a thin front end over the library (no statistics here)."""

from __future__ import annotations

import click

from measure import __version__
from measure.cli.calibrate import calibrate_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="measure")
def cli() -> None:
    """Rasch measures with standard errors from ordinal survey answers."""


cli.add_command(calibrate_cmd)

try:  # commands contributed by other modules
    from measure.cli.instruments import instruments as _instruments

    cli.add_command(_instruments)
except ImportError:  # pragma: no cover - during development only
    pass


def main() -> None:
    cli(prog_name="measure")


if __name__ == "__main__":  # pragma: no cover
    main()
