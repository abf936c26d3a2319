"""The house rules that a linter cannot see: no module uses another module's private names.

`make lint` checks the layers and cycles (import-linter, see pyproject.toml); this test reads the
code of solver/, api/ and benchmarks/ and fails on ``from x import _name`` or ``module._name``
across modules, so that every shared piece has a public entry point.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("solver", "api", "benchmarks")


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_module(dotted: str) -> bool:
    path = ROOT / dotted.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def private_uses(source: str, here: str) -> list[str]:
    """Every use in module ``here`` of a private name that belongs to another project module."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
            for alias in node.names:
                if _is_private(alias.name) and node.module != here:
                    found.append(f"{here}:{node.lineno} imports {node.module}.{alias.name}")
                if _is_module(f"{node.module}.{alias.name}"):
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and _is_private(node.attr)
        ):
            found.append(f"{here}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names() -> None:
    found = [
        use
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for use in private_uses(path.read_text(encoding="utf-8"), _module_of(path))
    ]
    assert found == []


def test_the_checker_catches_a_private_import() -> None:
    source = "from solver.engine.search import _score\nfrom solver.engine import search as s\ns._x\n"
    assert private_uses(source, "solver.day.sample") == [
        "solver.day.sample:1 imports solver.engine.search._score",
        "solver.day.sample:3 uses solver.engine.search._x",
    ]


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the project's contracts over a copy of the code in ``tree``."""
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(lint), "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def code_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("layout")
    for package in ("solver", "api"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("solver/model/clock.py", "import api.settings", "solver never imports api"),
        ("solver/model/clock.py", "import solver.engine.search", "layers point down"),
        ("solver/engine/compiled.py", "import solver.engine.search", "no import cycles"),
        ("solver/analysis/check.py", "import solver.travel", "the checker shares no code with the engine"),
    ],
)
def test_the_contracts_fail_on_a_bad_import(code_copy: Path, module: str, line: str, contract: str) -> None:
    """The same contracts `make lint` runs, broken on purpose in a copy of the code."""
    assert _lint_imports(code_copy).returncode == 0
    target = code_copy / module
    original = target.read_text(encoding="utf-8")
    try:
        target.write_text(original + f"\n{line}  # noqa\n", encoding="utf-8")
        result = _lint_imports(code_copy)
    finally:
        target.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout
