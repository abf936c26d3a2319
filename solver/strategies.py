"""Named local-search strategies for the OR-Tools engine, applied to its search parameters.

``gls`` is what the engine did before strategies existed (guided local search, OR-Tools'
operators). ``ils`` is OR-Tools' iterated local search with ruin-and-recreate perturbation
(SISR ruin: removes strings of consecutive visits around a random seed visit, as in Christiaens
& Vanden Berghe's SISR, then local cheapest insertion recreates), accepted by simulated
annealing. The portfolio (``solver/portfolio.py``) runs two different strategies side by side.
What each gave is in ``benchmarks/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from ortools.constraint_solver import routing_enums_pb2, routing_ils_pb2

Params: TypeAlias = Any  # routing_parameters_pb2.RoutingSearchParameters (no type stubs)
Meta = routing_enums_pb2.LocalSearchMetaheuristic
BOOL_TRUE = 3  # OptionalBoolean.BOOL_TRUE
First = routing_enums_pb2.FirstSolutionStrategy
DEFAULT = "gls"


def _gls(params: Params) -> None:
    params.local_search_metaheuristic = Meta.GUIDED_LOCAL_SEARCH


def _ils(params: Params, sisr_visits: int = 10, sequence: int = 10) -> None:
    params.local_search_metaheuristic = Meta.GREEDY_DESCENT
    params.use_iterated_local_search = True
    ils = params.iterated_local_search_parameters
    ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    rr = ils.ruin_recreate_parameters
    del rr.ruin_strategies[:]
    sisr = rr.ruin_strategies.add().sisr
    sisr.max_removed_sequence_size = sequence
    sisr.avg_num_removed_visits = sisr_visits
    sisr.bypass_factor = 0.01
    rr.recreate_strategy.heuristic = First.LOCAL_CHEAPEST_INSERTION
    ils.improve_perturbed_solution = True
    sa = ils.reference_solution_acceptance_strategy.simulated_annealing
    sa.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
    sa.automatic_temperatures = True
    ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()


STRATEGIES: dict[str, Callable[[Params], None]] = {
    "gls": _gls,
    "ils": _ils,
}


def apply(params: Params, name: str | None) -> None:
    """Set ``params``' metaheuristic to the strategy ``name`` (None: the default)."""
    key = name or DEFAULT
    if key not in STRATEGIES:
        raise ValueError(f"strategy: unknown {key!r}; choose from {sorted(STRATEGIES)}")
    STRATEGIES[key](params)


def _gls_lambda(value: float) -> Callable[[Params], None]:
    def tweak(params: Params) -> None:
        _gls(params)
        params.guided_local_search_lambda_coefficient = value

    return tweak


def _gls_lns(params: Params) -> None:
    """GLS with OR-Tools' insertion-based LNS operators switched on (ruin close visits, reinsert)."""
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


def _gls_neighbors(params: Params) -> None:
    """GLS with operators restricted to each visit's nearest neighbours: more moves per second."""
    _gls(params)
    params.ls_operator_neighbors_ratio = 0.2
    params.ls_operator_min_neighbors = 20


def _gls_bandit(params: Params) -> None:
    _gls(params)
    params.use_multi_armed_bandit_concatenate_operators = True


STRATEGIES.update(
    {
        "gls-l0.05": _gls_lambda(0.05),
        "gls-l0.2": _gls_lambda(0.2),
        "gls-l0.4": _gls_lambda(0.4),
        "gls-l0.3": _gls_lambda(0.3),
        "gls-l0.15": _gls_lambda(0.15),
        "gls-lns": _gls_lns,
        "gls-ops": _gls_more_ops,
        "gls-nb": _gls_neighbors,
        "gls-bandit": _gls_bandit,
    }
)
