"""``carerun evaluate``: exit 0 for a plan that keeps every rule, 1 if it breaks one, 2 if it is bad."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from solver.cli import app
from tests.solver.day.test_evaluate import world


def test_cli_exit_codes(tmp_path: Path) -> None:
    p = world()
    (tmp_path / "p.json").write_text(p.model_dump_json())
    good = {
        "runs": [{"carer_id": "c1", "visit_ids": ["v2", "v1", "v3"]}, {"carer_id": "c2", "visit_ids": ["v3"]}]
    }
    late = {
        "runs": [{"carer_id": "c1", "visit_ids": ["v1", "v2", "v3"]}, {"carer_id": "c2", "visit_ids": ["v3"]}]
    }
    runner = CliRunner()
    for name, doc, code in (("good", good, 0), ("late", late, 1), ("bad", {"runs": [{"carer": "c1"}]}, 2)):
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
        result = runner.invoke(app, ["evaluate", str(tmp_path / "p.json"), str(tmp_path / f"{name}.json")])
        assert result.exit_code == code, (name, result.output)
        if code < 2:
            assert json.loads(result.stdout)["kpis"]["visits"] == 3
    assert "runs[0]" in result.output and "Traceback" not in result.output
