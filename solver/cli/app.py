"""The ``carerun`` Typer app: the solver's commands, then any other package's by entry point.

Packages above the solver (the HTTP API's ``serve`` and ``keys``) declare their commands in the
``carerun.commands`` entry-point group, so that the solver never imports them. A plugin that
cannot be loaded does not take the other commands down: it is listed as unavailable and, when
run, says why in one line and exits 70.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, PackageNotFoundError, entry_points, version
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command, get_group

from solver.cli.check import check
from solver.cli.evaluate import evaluate
from solver.cli.generate import generate
from solver.cli.output import EXIT_CODES, ExitCode, err, guard, one_line
from solver.cli.replan import replan
from solver.cli.roads import roads_app
from solver.cli.schema import schema
from solver.cli.simulate import simulate
from solver.cli.solve import solve

PLUGIN_GROUP = "carerun.commands"
UNKNOWN_VERSION = "0+unknown"  # run from a source tree that was never installed


class CarerunGroup(TyperGroup):
    """Every command's failures, plugins' too, become exit codes in one place (``guard``).

    Plugins (``plugins``: name -> entry point) are loaded only when their command is asked for
    (or ``--help`` lists every command), so ``carerun solve`` never imports the API."""

    plugins: dict[str, EntryPoint] = {}  # noqa: RUF012 - set per app by build_app's subclass

    def invoke(self, ctx: Any) -> Any:
        run = super().invoke
        return guard(lambda: run(ctx))

    def list_commands(self, ctx: Any) -> list[str]:
        own = super().list_commands(ctx)
        return own + sorted(name for name in self.plugins if name not in own)

    def get_command(self, ctx: Any, name: str) -> Any:
        command = super().get_command(ctx, name)
        if command is None and name in self.plugins:
            loaded = plugin_command(name, self.plugins[name])
            self.add_command(loaded, name)  # loaded once per process
            return loaded
        return command


def carerun_version() -> str:
    try:
        return version("carerun")
    except PackageNotFoundError:
        return UNKNOWN_VERSION


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"carerun {carerun_version()}\n")
        raise typer.Exit(ExitCode.DONE)


def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_show_version, help="Print the version and exit."),
    ] = False,
) -> None:
    """Plan home-care carer runs."""


def _unavailable(name: str, reason: str) -> Callable[[], None]:
    """A stand-in for a plugin that failed to load: it takes any arguments and says why."""

    def stand_in() -> None:
        err.print(
            f"error: command {name!r} is not available: {reason}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(ExitCode.INTERNAL_ERROR)

    return stand_in


def _loaded(plugin: EntryPoint) -> typer.Typer | Callable[..., Any] | str:
    """The plugin's Typer app or command function, or why it cannot be used."""
    try:
        loaded = plugin.load()
        if isinstance(loaded, typer.Typer):
            get_command(loaded)  # a bad parameter type fails here, not when every command is built
            return loaded
        if callable(loaded):
            probe = typer.Typer()
            probe.command()(loaded)
            get_command(probe)
            return loaded
        return f"{plugin.value} is neither a Typer app nor a function"
    except Exception as exc:
        return one_line(f"{type(exc).__name__}: {exc}")


def plugin_command(name: str, plugin: EntryPoint) -> TyperCommand | TyperGroup:
    """The plugin as a command (a function) or a group of commands (a Typer); a plugin that
    cannot be used becomes a stand-in that says why."""
    loaded = _loaded(plugin)
    if isinstance(loaded, typer.Typer):
        return get_group(loaded)
    holder = typer.Typer()
    if isinstance(loaded, str):
        extra = {"allow_extra_args": True, "ignore_unknown_options": True}
        holder.command(
            name, help=f"(not available: {loaded})", context_settings=extra, add_help_option=False
        )(_unavailable(name, loaded))
    else:
        holder.command(name)(loaded)
    command = get_command(holder)
    assert isinstance(command, TyperCommand)  # one command: Typer gives the command, not a group
    return command


def build_app(plugins: Iterable[EntryPoint] | None = None) -> typer.Typer:
    """The whole command line; ``plugins`` default to the installed ``carerun.commands``."""
    points = entry_points(group=PLUGIN_GROUP) if plugins is None else plugins
    group = type("Carerun", (CarerunGroup,), {"plugins": {p.name: p for p in points}})
    app = typer.Typer(
        cls=group,
        add_completion=False,
        no_args_is_help=True,
        help="Plan home-care carer runs.",
        epilog=EXIT_CODES,
    )
    app.callback()(_root)
    app.command("solve")(solve)
    app.command("check")(check)
    app.command("evaluate")(evaluate)
    app.command("replan")(replan)
    app.command("schema")(schema)
    app.command("generate")(generate)
    app.command("simulate")(simulate)
    app.add_typer(roads_app, name="roads")
    return app


app = build_app()
