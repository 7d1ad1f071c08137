"""The ``measure`` command line: a thin front end over the library (no statistics here).

Commands are imported when they are used, so that ``measure calibrate`` does not pay for the
report, scoring and comparison machinery.
"""

from __future__ import annotations

import importlib

import click

from measure._version import __version__
from measure.cli._command import ARGV_KEY

#: command name -> (module, attribute)
COMMANDS: dict[str, tuple[str, str]] = {
    "calibrate": ("measure.cli.calibrate", "calibrate_cmd"),
    "score": ("measure.cli.score", "score_cmd"),
    "compare": ("measure.cli.compare", "compare_cmd"),
    "report": ("measure.cli.report", "report_cmd"),
    "instruments": ("measure.cli.instruments", "instruments"),
    "shorten": ("measure.cli.shorten", "shorten_cmd"),
    "cat-simulate": ("measure.cli.cat_simulate", "cat_simulate_cmd"),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # kept for the reports, which quote the command line back (measure.cli._command)
        ctx.meta[ARGV_KEY] = list(args)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        command = getattr(importlib.import_module(target[0]), target[1])
        if not isinstance(command, click.Command):  # pragma: no cover - a wiring mistake
            raise TypeError(f"{target[0]}.{target[1]} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="measure")
def cli() -> None:
    """Rasch measures with standard errors from ordinal survey answers."""


def main() -> None:
    cli(prog_name="measure")


if __name__ == "__main__":  # pragma: no cover
    main()
