"""The command line that ran, as arguments a report can quote back for a shell."""

from __future__ import annotations

import click

__all__ = ["ARGV_KEY", "command_args"]

#: where :class:`measure.cli.main.LazyGroup` keeps the arguments it parsed (``ctx.meta``)
ARGV_KEY = "measure.argv"


def command_args() -> list[str] | None:
    """``["measure", <the arguments as given>]`` for the running command, or None when the
    command was not started through the ``measure`` group (then nothing reliable is known)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    argv = ctx.meta.get(ARGV_KEY)
    return None if argv is None else ["measure", *argv]
