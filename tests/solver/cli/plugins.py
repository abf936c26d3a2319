"""Commands that a package above the solver might add to ``carerun``, for the plugin tests."""

from __future__ import annotations

from typing import Annotated

import typer

greetings = typer.Typer(no_args_is_help=True, help="A group of commands from a plugin.")
NOT_A_COMMAND = 42


def hello(name: Annotated[str, typer.Option(help="Who to greet.")] = "world") -> None:
    """Greet someone."""
    typer.echo(f"hello {name}")


@greetings.command("morning")
def morning() -> None:
    """Greet the morning."""
    typer.echo("good morning")


def interrupted() -> None:
    """Stand for a long solve that the user stops with Ctrl-C."""
    raise KeyboardInterrupt


def crashes() -> None:
    """Stand for a bug: an exception nobody expected."""
    raise RuntimeError("the engine lost a carer\nwhile placing breaks")


def unsupported(count: Annotated[int, typer.Option(), typer.Option()] = 1) -> None:
    """A parameter Typer refuses when it builds the command line (two options for one value)."""
