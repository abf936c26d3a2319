"""Named local-search strategies for the OR-Tools engine, applied to its search parameters.

``gls`` is what the engine did before strategies existed (guided local search, OR-Tools'
operators, penalty coefficient 0.1). ``gls-l0.3`` penalises features three times as hard, so
the search leaves a local optimum sooner; ``gls-lns`` adds OR-Tools' insertion-based large
neighbourhood operators (remove visits close together or an expensive chain, reinsert by
cheapest insertion); ``gls-ops`` adds cross-exchange, neighbour relocation and extended
swap-active. Search is deterministic for a given strategy, so the portfolio
(``solver/engine/portfolio.py``) gets its diversity by running two strategies side by side. What each
gave is in ``benchmarks/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from ortools.constraint_solver import routing_enums_pb2

Params: TypeAlias = Any  # routing_parameters_pb2.RoutingSearchParameters (no type stubs)
Meta = routing_enums_pb2.LocalSearchMetaheuristic
BOOL_TRUE = 3  # ortools.util.optional_boolean_pb2.BOOL_TRUE
DEFAULT = "gls"


def _gls(params: Params) -> None:
    params.local_search_metaheuristic = Meta.GUIDED_LOCAL_SEARCH


def _gls_lambda(value: float) -> Callable[[Params], None]:
    def tweak(params: Params) -> None:
        _gls(params)
        params.guided_local_search_lambda_coefficient = value

    return tweak


def _gls_lns(params: Params) -> None:
    """GLS with OR-Tools' insertion-based LNS operators on (ruin close visits or a chain, reinsert)."""
    _gls(params)
    ops = params.local_search_operators
    ops.use_global_cheapest_insertion_close_nodes_lns = BOOL_TRUE
    ops.use_local_cheapest_insertion_close_nodes_lns = BOOL_TRUE
    ops.use_global_cheapest_insertion_expensive_chain_lns = BOOL_TRUE
    ops.use_local_cheapest_insertion_expensive_chain_lns = BOOL_TRUE


def _gls_more_ops(params: Params) -> None:
    _gls(params)
    ops = params.local_search_operators
    ops.use_relocate_neighbors = BOOL_TRUE
    ops.use_cross_exchange = BOOL_TRUE
    ops.use_extended_swap_active = BOOL_TRUE


STRATEGIES: dict[str, Callable[[Params], None]] = {
    "gls": _gls,
    "gls-l0.3": _gls_lambda(0.3),
    "gls-lns": _gls_lns,
    "gls-ops": _gls_more_ops,
}


def apply(params: Params, name: str | None) -> None:
    """Set ``params``' metaheuristic to the strategy ``name`` (None: the default)."""
    key = name or DEFAULT
    if key not in STRATEGIES:
        raise ValueError(f"strategy: unknown {key!r}; choose from {sorted(STRATEGIES)}")
    STRATEGIES[key](params)
