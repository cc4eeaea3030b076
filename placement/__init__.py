"""The ECS placement engine: pure Python, no Django outside apps.py and adapters.py.

    needs = task_needs_from_definition(task_definition, group="service:web")
    result = place(instances_or_cluster_state, needs, PlacementRequest(count=3, seed=7))
    result.placements  # instance, host ports, scores;  result.failures  # ECS's reasons

See README.md in this package for the pipeline, a glossary and every choice made where ECS's
documentation is silent.
"""

from __future__ import annotations

from placement.errors import (
    InvalidConstraintExpression,
    InvalidPlacementRequest,
    InvalidTaskDefinition,
    NoContainerInstances,
    PlacementError,
)
from placement.inputs import (
    DEFAULT_DYNAMIC_PORT_RANGE,
    DEFAULT_RESERVED_PORTS,
    MAX_RESERVED_PORTS,
    Instance,
    PlacementConstraint,
    PlacementRequest,
    PlacementStrategy,
    PortMapping,
    TaskNeeds,
)
from placement.pipeline import explain, place
from placement.resources import fit
from placement.results import (
    Failure,
    InstanceVerdict,
    Placement,
    PlacementResult,
    PortBinding,
    Reason,
    Shortfall,
    StrategyScore,
    TaskExplanation,
)
from placement.scalein import RunningTask, choose_tasks_to_stop
from placement.state import ClusterState
from placement.strategies import DEFAULT_RUN_TASK_STRATEGIES, DEFAULT_SERVICE_STRATEGIES
from placement.taskdef import task_needs_from_definition

__all__ = [
    "DEFAULT_DYNAMIC_PORT_RANGE",
    "DEFAULT_RESERVED_PORTS",
    "DEFAULT_RUN_TASK_STRATEGIES",
    "DEFAULT_SERVICE_STRATEGIES",
    "MAX_RESERVED_PORTS",
    "ClusterState",
    "Failure",
    "Instance",
    "InstanceVerdict",
    "InvalidConstraintExpression",
    "InvalidPlacementRequest",
    "InvalidTaskDefinition",
    "NoContainerInstances",
    "Placement",
    "PlacementConstraint",
    "PlacementError",
    "PlacementRequest",
    "PlacementResult",
    "PlacementStrategy",
    "PortBinding",
    "PortMapping",
    "Reason",
    "RunningTask",
    "Shortfall",
    "StrategyScore",
    "TaskExplanation",
    "TaskNeeds",
    "choose_tasks_to_stop",
    "explain",
    "fit",
    "place",
    "task_needs_from_definition",
]
