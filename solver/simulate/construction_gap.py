"""How much the construction-only plans of large providers overstate travel.

Providers above ``SolveSettings.exact_up_to`` visits get the core's construction as their plan
(see ``fleet.py``). This re-plans the largest engine-solved providers of a finished run with
that same construction, same fleet, and compares travel per care hour, so the README can say
how far the construction is from the engine where both can be run.

    python -m solver.simulate.construction_gap OUT_DIR [--design hubs18] [--top 3]

writes ``benchmarks/results/simulate-construction-gap.json``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from solver.engine.search import construction_plan
from solver.model.problem import Problem, Solution
from solver.simulate.cost import Rates, plan_figures
from solver.simulate.fleet import SolveSettings

RESULT = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "simulate-construction-gap.json"


def gaps(out: Path, design: str, top: int) -> list[dict[str, Any]]:
    results = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "cache").glob("*.json"))]
    solved = [r for r in results if r["solution"]["solver"]["engine"] != "construction"]
    mine = [r for r in solved if r["design"] == design]
    mine.sort(key=lambda r: (-r["figures"]["visits"], r["zone"], r["m"], r["provider"]))
    rows = []
    for r in mine[:top]:
        problem = Problem.model_validate(r["problem"])
        engine = plan_figures(problem, Solution.model_validate(r["solution"]), len(problem.carers), Rates())
        built = construction_plan(problem, problem.options.seed, SolveSettings().large_attempts)
        construction = plan_figures(problem, built, len(problem.carers), Rates())
        rows.append(
            {
                "zone": r["zone"],
                "m": r["m"],
                "provider": r["provider"],
                "visits": engine["visits"],
                "carers": len(problem.carers),
                "engine_travel_min_per_care_h": round(60 * engine["travel_h"] / engine["care_h"], 3),
                "construction_travel_min_per_care_h": round(
                    60 * construction["travel_h"] / construction["care_h"], 3
                ),
                "engine_unserved": engine["unserved"],
                "construction_unserved": construction["unserved"],
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--design", default="hubs18")
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args()
    rows = gaps(args.out, args.design, args.top)
    doc = {
        "command": "python -m solver.simulate.construction_gap "
        f"{args.out} --design {args.design} --top {args.top}",
        "loadavg": os.getloadavg(),
        "rows": rows,
    }
    RESULT.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
