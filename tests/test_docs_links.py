"""The guides point at things that exist: every relative link, every source path and every
dotted module name in README.md, docs/*.md and benchmarks/README.md.

Modules move when the code is reorganised; a guide that still names the old place sends its
reader nowhere, so a move that forgets the docs fails here.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from solver.model.problem import SolverInfo

ROOT = Path(__file__).resolve().parents[1]
GUIDES = [ROOT / "README.md", ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
_PATH = re.compile(r"(?<![\w./-])((?:solver|api|benchmarks|tests)/[\w/.-]*\w)")
FILE_SUFFIXES = {"md", "py", "json", "csv", "txt", "html"}
_MODULE = re.compile(r"(?<![\w./-])((?:solver|api|benchmarks)(?:\.[a-z_][a-z0-9_]*)+)")


def _relative_links(text: str) -> list[str]:
    return [t for t in _LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def _module_exists(dotted: str) -> bool:
    """True when the name imports: a module, or a module and attributes of it."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        for name in parts[end:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_somewhere(guide: Path) -> None:
    text = guide.read_text(encoding="utf-8")
    missing = [t for t in _relative_links(text) if not (guide.parent / t).exists()]
    assert missing == []


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: str(p.relative_to(ROOT)))
def test_source_paths_exist(guide: Path) -> None:
    text = guide.read_text(encoding="utf-8")
    named = {p for p in _PATH.findall(text) if not p.startswith("benchmarks/results/")}
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


# A Solution's `solver` object (`solver.notes`, `solver.seed`...) reads like a module name.
SOLUTION_FIELDS = {f"solver.{name}" for name in SolverInfo.model_fields}


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_names_exist(guide: Path) -> None:
    text = guide.read_text(encoding="utf-8")
    names = {m for m in _MODULE.findall(text) if m.rsplit(".", 1)[1] not in FILE_SUFFIXES}
    assert sorted(m for m in names - SOLUTION_FIELDS if not _module_exists(m)) == []


def test_the_checks_see_what_they_should() -> None:
    text = "see [a](docs/x.md#y), [b](https://e.org), `solver/engine/search.py: solve`, solver.io.classic"
    assert _relative_links(text) == ["docs/x.md"]
    assert _PATH.findall(text) == ["solver/engine/search.py"]
    assert _MODULE.findall(text) == ["solver.io.classic"]
    assert _module_exists("solver.engine.portfolio.solve_portfolio")
    assert not _module_exists("solver.model.nowhere")
