"""Replicate statistics: a mean and a 90% interval for every figure, and paired differences.

Each replicate is one synthetic day with its own demand seed. Every design and every m is run on
the same replicate days (common random numbers), so a difference between two scenarios is taken
day by day first: the day-to-day spread of demand, which moves both scenarios together, cancels,
and the interval of the paired differences is much narrower than that of either figure.

The interval is Student's t on the replicate means (R - 1 degrees of freedom): with R = 3 to 5
days it is wide on purpose. It is absent (None) with a single replicate.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

from scipy.special import stdtrit

LEVEL = 0.90


@functools.cache
def _t_quantile(df: int) -> float:
    """Student's t at the interval's upper end (the inverse of its distribution function, from
    ``scipy.special``: ``scipy.stats`` gives the same figure but takes 0.6 s to import). Cached:
    a county study asks for thousands of intervals over the same few degrees of freedom."""
    return float(stdtrit(df, 0.5 + LEVEL / 2))


def interval(values: Sequence[float]) -> tuple[float, float | None, float | None]:
    """Mean and the ends of its 90% interval (None, None with fewer than two values)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, None, None
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = _t_quantile(n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def summarise(rows: list[dict[str, Any]], keys: Sequence[str], kpis: Sequence[str]) -> list[dict[str, Any]]:
    """One row per group of ``keys`` (in first-seen order): each KPI's mean, ``_lo`` and ``_hi``."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    out = []
    for group, members in groups.items():
        summary: dict[str, Any] = dict(zip(keys, group, strict=True)) | {"replicates": len(members)}
        for kpi in kpis:
            mean, lo, hi = interval([float(m[kpi]) for m in members])
            summary |= {kpi: mean, f"{kpi}_lo": lo, f"{kpi}_hi": hi}
        out.append(summary)
    return out


def paired(
    rows: list[dict[str, Any]],
    kpis: Sequence[str],
    scenario: tuple[str, int],
    baseline: tuple[str, int],
) -> list[dict[str, Any]]:
    """``scenario`` minus ``baseline`` (each a (design, m)) replicate by replicate, for each KPI.

    ``pct`` is the mean difference as a share of the baseline's mean; ``crosses_zero`` says the
    interval holds zero, i.e. the replicates do not show which way the difference goes."""
    mine = {r["replicate"]: r for r in rows if (r["design"], r["m"]) == scenario}
    base = {r["replicate"]: r for r in rows if (r["design"], r["m"]) == baseline}
    common = sorted(set(mine) & set(base))
    if not common:
        return []
    out = []
    for kpi in kpis:
        diffs = [float(mine[k][kpi]) - float(base[k][kpi]) for k in common]
        mean, lo, hi = interval(diffs)
        base_mean = sum(float(base[k][kpi]) for k in common) / len(common)
        out.append(
            {
                "design": scenario[0],
                "m": scenario[1],
                "vs_design": baseline[0],
                "vs_m": baseline[1],
                "kpi": kpi,
                "replicates": len(common),
                "diff": mean,
                "diff_lo": lo,
                "diff_hi": hi,
                "pct": 100 * mean / base_mean if base_mean else None,
                "pct_lo": 100 * lo / base_mean if base_mean and lo is not None else None,
                "pct_hi": 100 * hi / base_mean if base_mean and hi is not None else None,
                "crosses_zero": None if lo is None or hi is None else lo <= 0 <= hi,
            }
        )
    return out


def comparisons(
    rows: list[dict[str, Any]], kpis: Sequence[str], baseline_design: str = "legacy3"
) -> list[dict[str, Any]]:
    """Each design against ``baseline_design`` at the same m, and every m against the smallest m of
    the same design (so with ``--providers 1,3``: m = 3 against m = 1)."""
    scenarios = list(dict.fromkeys((r["design"], r["m"]) for r in rows))
    designs = list(dict.fromkeys(d for d, _ in scenarios))
    out = []
    if baseline_design in designs:
        for design, m in scenarios:
            if design != baseline_design and (baseline_design, m) in scenarios:
                out.extend(paired(rows, kpis, (design, m), (baseline_design, m)))
    for design in designs:
        ms = sorted(m for d, m in scenarios if d == design)
        for m in ms[1:]:
            out.extend(paired(rows, kpis, (design, m), (design, ms[0])))
    return out
