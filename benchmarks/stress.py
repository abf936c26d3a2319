"""The ``homecare-stress`` days: generated days shaped unlike the shipped ones.

The shipped days (``instances/homecare``) all come from the generator's default mix. These vary
what a provider's day can look like, to see where a search holds up and where it does not:

- place: a city (Salisbury), a market town with its villages (Devizes) and rural areas with no
  town at all (Pewsey for 330 visits, South West Wiltshire for 1,000);
- double-handed visits at 10, 20 or 30% of the visits;
- walkers at 10-30% of the carers where there is a town for them to walk in;
- an evening peak: more tea and bed calls than morning ones, and more evening carers;
- split shifts: most carers on the split shift with its unpaid afternoon break, the rest on
  mornings with a 20-minute break;
- 330 and 1,000 visits.

Every day is generated from its seed when it is asked for (byte-identical every time), so no
file is committed for them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from solver.generate.day import GenerateConfig, ShiftPattern, generate_day
from solver.model.problem import Problem

STRESS_NOTE = (
    "full rules for carerun and ortools-twostage (checked by solver/analysis/check.py); "
    "pyvrp and vroom get the relaxed day (double-ups single-handed; skills, exclusions, gender, "
    "breaks, caps stripped) and one carer per double-up"
)

# Evening peak: tea and bed calls outnumber morning ones, and the shift mix follows the demand.
EVENING_PATTERNS: dict[int, dict[tuple[str, ...], float]] = {
    1: {("am",): 0.10, ("lunch",): 0.05, ("tea",): 0.35, ("bed",): 0.50},
    2: {("tea", "bed"): 0.70, ("am", "bed"): 0.20, ("am", "tea"): 0.10},
    3: {("lunch", "tea", "bed"): 0.40, ("am", "tea", "bed"): 0.60},
    4: {("am", "lunch", "tea", "bed"): 1.0},
}
EVENING_SHIFTS: dict[str, ShiftPattern] = {
    "split": ShiftPattern(
        0.40, "07:00", "22:00", (("07:00", "14:00"), ("16:30", "22:00")), ("13:30", "14:30"), 150, False
    ),
    "morning": ShiftPattern(0.15, "07:00", "14:30", (("07:00", "14:30"),), ("10:30", "12:30"), 20),
    "evening": ShiftPattern(0.45, "15:30", "22:00", (("15:30", "22:00"),)),
}
# Split shifts: most carers split with a 150-minute unpaid break, the rest mornings with a break.
SPLIT_SHIFTS: dict[str, ShiftPattern] = {
    "split": ShiftPattern(
        0.80, "07:00", "22:00", (("07:00", "14:00"), ("16:30", "22:00")), ("13:30", "14:30"), 150, False
    ),
    "morning": ShiftPattern(0.20, "07:00", "14:30", (("07:00", "14:30"),), ("10:30", "12:30"), 20),
}


@dataclass(frozen=True)
class StressDay:
    zone: str
    visits: int
    seed: int
    double_share: float
    walk_share: float = 0.0
    evening: bool = False
    split: bool = False

    def config(self) -> GenerateConfig:
        """The generator's defaults with this day's shape laid over them."""
        config = replace(GenerateConfig(), double_handed_share=self.double_share, walk_share=self.walk_share)
        if self.evening:
            config = replace(config, call_patterns=EVENING_PATTERNS, shifts=EVENING_SHIFTS)
        if self.split:
            config = replace(config, shifts=SPLIT_SHIFTS)
        return config


STRESS_DAYS: dict[str, StressDay] = {
    "city-330-d10-walk30-evening": StressDay("Salisbury", 330, 101, 0.10, 0.30, evening=True),
    "city-330-d30-walk20-split": StressDay("Salisbury", 330, 102, 0.30, 0.20, split=True),
    "city-1000-d20-walk30": StressDay("Salisbury", 1000, 103, 0.20, 0.30),
    "city-1000-d30-walk10-evening": StressDay("Salisbury", 1000, 104, 0.30, 0.10, evening=True),
    "town-330-d20-walk10-evening": StressDay("Devizes", 330, 105, 0.20, 0.10, evening=True),
    "town-330-d30-split": StressDay("Devizes", 330, 106, 0.30, split=True),
    "town-1000-d10-walk20-split": StressDay("Devizes", 1000, 107, 0.10, 0.20, split=True),
    "town-1000-d20-evening": StressDay("Devizes", 1000, 108, 0.20, evening=True),
    "rural-330-d10-split": StressDay("Pewsey", 330, 109, 0.10, split=True),
    "rural-330-d30-evening": StressDay("Pewsey", 330, 110, 0.30, evening=True),
    "rural-1000-d20-split-evening": StressDay(
        "South West Wiltshire", 1000, 111, 0.20, evening=True, split=True
    ),
    "rural-1000-d10": StressDay("South West Wiltshire", 1000, 112, 0.10),
}


def stress_day(name: str) -> Problem:
    """The day ``name`` of :data:`STRESS_DAYS`, generated from its seed."""
    day = STRESS_DAYS[name]
    problem = generate_day(zone=day.zone, visits=day.visits, seed=day.seed, config=day.config())
    return problem.model_copy(update={"id": name})


def markdown(report: dict[str, Any]) -> str:
    """The results of ``python -m benchmarks.quality --set homecare-stress`` as a table, one row
    per day and solver, for benchmarks/README.md."""
    lines = [
        "| day | solver | served | double-ups served | travel h | late visits · min late | wall s "
        "| checker | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    order = {name: i for i, name in enumerate(STRESS_DAYS)}
    for r in sorted(report["runs"], key=lambda r: (order.get(r["instance"], 99), r["solver"])):
        if "cost" not in r:
            lines.append(f"| {r['instance']} | {r['solver']} | {r.get('error', 'missing')} | | | | | | |")
            continue
        relaxed = bool(r.get("relaxed"))
        verdict = "clean" if not r["violations"] else "INVALID"
        if r.get("no_plan") or r["violations"] == ["stage 1 found no plan"]:
            verdict = "no plan"
        if r["violations"] and r.get("violation_count", 0) > 1:
            verdict += f" ({r['violation_count']})"
        if relaxed:
            verdict += " on the relaxed day*"
        if r.get("plan_from"):
            verdict += f" ({r['plan_from']})"
        doubles = f"{r['double_ups_served']} / {r['double_ups']}" + (" one carer*" if relaxed else "")
        late = "-" if r.get("lateness_min") is None else f"{r['late_visits']} · {r['lateness_min']:.0f}"
        lines.append(
            f"| {r['instance']} | {r['solver']} | {r['served']} / {r['visits']} | {doubles} "
            f"| {r['cost'] / 3600:.1f} | {late} | {r['wall_s']:.1f} | {verdict} | {r['loadavg'][0]:.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # python -m benchmarks.stress results/homecare-stress-10.json
    print(markdown(json.loads(Path(sys.argv[1]).read_text())))
