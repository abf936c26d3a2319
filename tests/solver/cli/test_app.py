"""The ``carerun`` app as a whole: version, exit codes, and commands added by other packages."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from importlib.metadata import EntryPoint, PackageNotFoundError
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

import solver.cli
from solver.cli.app import PLUGIN_GROUP, build_app
from tests.solver.cli.common import ROOT, invoke, run_carerun, tiny_problem

app_module = importlib.import_module("solver.cli.app")
solve_module = importlib.import_module("solver.cli.solve")
HERE = "tests.solver.cli.plugins"


def plugin(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=target, group=PLUGIN_GROUP)


def run(app: typer.Typer, *args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --------------------------------------------------------------------------- version


def test_version_prints_the_installed_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"carerun {importlib.metadata.version('carerun')}\n"


def test_version_without_an_installed_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(app_module, "version", missing)
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout == "carerun 0+unknown\n"


def test_version_in_a_real_process() -> None:
    proc = run_carerun("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("carerun ") and len(proc.stdout.split()) == 2


def test_python_m_solver_cli_is_carerun() -> None:
    proc = run_carerun("--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage: carerun" in proc.stdout


# --------------------------------------------------------------------------- exit codes


def test_exit_codes_are_in_the_help_and_the_package_docstring() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    doc = " ".join((solver.cli.__doc__ or "").split())
    for code in ("0 done", "1 the plan breaks a rule", "2 bad input", "70 internal error", "130 interrupted"):
        assert code in text
    for code in (
        "0: done",
        "1: the plan breaks a rule",
        "2: bad input",
        "70: internal error",
        "130: interrupted",
    ):
        assert code in doc


def test_internal_error_exits_70_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(path: Path) -> None:
        raise RuntimeError("the problem reader\nfell over")

    monkeypatch.setattr(solve_module, "load_problem", broken)
    path = tmp_path / "tiny.json"
    path.write_text(str(tiny_problem()))
    result = invoke("solve", path)
    assert result.exit_code == 70, result.output
    assert lines(result.stderr) == ["internal error: RuntimeError: the problem reader fell over"]
    assert result.stdout == ""


def test_internal_error_in_a_plugin_exits_70() -> None:
    app = build_app([plugin("crash", f"{HERE}:crashes")])
    result = run(app, "crash")
    assert result.exit_code == 70, result.output
    assert lines(result.stderr) == [
        "internal error: RuntimeError: the engine lost a carer while placing breaks"
    ]


def test_ctrl_c_exits_130() -> None:
    app = build_app([plugin("wait", f"{HERE}:interrupted")])
    result = run(app, "wait")
    assert result.exit_code == 130, result.output
    assert lines(result.stderr) == ["interrupted"]


@pytest.mark.parametrize(
    "args",
    [["solve"], ["no-such-command"], ["schema", "--no-such-option"]],
    ids=["missing", "command", "option"],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- plugins


def test_the_api_commands_come_from_entry_points() -> None:
    """The installed package declares serve and keys; the solver never imports the API itself."""
    app = build_app([])
    assert invoke("serve", "--help").exit_code == 0
    assert run(app, "serve", "--help").exit_code == 2  # without plugins, no such command


def test_a_function_plugin_is_a_command_and_a_typer_plugin_a_group() -> None:
    app = build_app([plugin("hello", f"{HERE}:hello"), plugin("greet", f"{HERE}:greetings")])
    assert run(app, "hello", "--name", "Ann").stdout == "hello Ann\n"
    assert run(app, "greet", "morning").stdout == "good morning\n"


def test_a_plugin_cannot_replace_a_solver_command() -> None:
    app = build_app([plugin("schema", f"{HERE}:hello")])
    result = run(app, "schema")
    assert result.exit_code == 0 and '"properties"' in result.stdout


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("tests.solver.cli.no_such_plugin:serve", "ModuleNotFoundError"),
        (f"{HERE}:missing", "AttributeError"),
        (f"{HERE}:NOT_A_COMMAND", "neither a Typer app nor a function"),
        (f"{HERE}:unsupported", "MultipleTyperAnnotationsError"),
    ],
    ids=["module", "attribute", "not-a-command", "bad-parameter"],
)
def test_a_broken_plugin_does_not_break_the_other_commands(target: str, reason: str) -> None:
    app = build_app([plugin("broken", target), plugin("hello", f"{HERE}:hello")])
    assert run(app, "schema").exit_code == 0
    assert run(app, "hello").stdout == "hello world\n"
    assert "not available" in " ".join(run(app, "--help").stdout.split())
    for args in (["broken"], ["broken", "--port", "8000", "x"], ["broken", "--help"]):
        result = run(app, *args)
        assert result.exit_code == 70, result.output
        (line,) = lines(result.stderr)
        assert line.startswith("error: command 'broken' is not available:") and reason in line
        assert "Traceback" not in result.output


def test_the_solver_never_imports_the_api() -> None:
    offenders = []
    for path in sorted((ROOT / "solver").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "api"]
    assert offenders == []


def test_the_solver_commands_run_without_loading_the_api() -> None:
    """Plugins load only when their command is asked for: `carerun solve` never imports api."""
    code = (
        "import sys; from solver.cli import app; from typer.testing import CliRunner;"
        "r = CliRunner().invoke(app, ['schema']); assert r.exit_code == 0, r.output;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'api'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    assert "serve" in invoke("--help").stdout and invoke("serve", "--help").exit_code == 0
