"""Run the query language cases kept as data in ``query_cases.json``.

The file is a list of groups, in the style of jmespath's compliance tests. Each
group has a ``comment``, a ``given`` fleet of instances (objects with the
engine's ``Instance`` field names, ``registered_at`` as an ISO 8601 string) and
``cases``. Each case has an ``expression``, a ``comment`` and either
``result`` (the ids of the matching instances, in fleet order) or ``error``
(the exact ``QueryError`` message, one list item per line so the caret lines
up in the file).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from placement import ClusterState
from placement import Instance as EngineInstance
from placement.query import QueryError, compile_query

CASES_PATH = Path(__file__).with_name("query_cases.json")


@dataclass(frozen=True, slots=True)
class Instance:
    """The fields a query reads, shaped like the engine's frozen ``Instance``."""

    ec2_instance_id: str
    agent_connected: bool
    agent_version: str
    registered_at: datetime
    running_tasks_count: int
    attributes: dict[str, str | None]
    task_groups: tuple[str, ...]


def load_instance(data: dict[str, Any]) -> Instance:
    """Build an instance from its JSON form."""
    return Instance(
        ec2_instance_id=data["ec2_instance_id"],
        agent_connected=data["agent_connected"],
        agent_version=data["agent_version"],
        registered_at=datetime.fromisoformat(data["registered_at"]),
        running_tasks_count=data["running_tasks_count"],
        attributes=data["attributes"],
        task_groups=tuple(data["task_groups"]),
    )


def load_groups() -> list[dict[str, Any]]:
    """The groups of ``query_cases.json``."""
    return json.loads(CASES_PATH.read_text(encoding="utf-8"))


def case_params() -> list[Any]:
    """One pytest param per case, named after its expression."""
    params = []
    for group in load_groups():
        fleet = [load_instance(data) for data in group["given"]]
        for case in group["cases"]:
            name = case["expression"][:80] or "<empty>"
            params.append(pytest.param(fleet, case, id=name))
    return params


@pytest.mark.parametrize(("fleet", "case"), case_params())
def test_case(fleet: list[Instance], case: dict[str, Any]) -> None:
    """The expression matches exactly the listed instances, or fails with exactly the listed message."""
    if "error" in case:
        with pytest.raises(QueryError) as raised:
            compile_query(case["expression"])
        assert str(raised.value).split("\n") == case["error"]
        return
    query = compile_query(case["expression"])
    matched = [instance.ec2_instance_id for instance in fleet if query(instance)]
    assert matched == case["result"]
    assert query.mask(fleet) == [query(instance) for instance in fleet]


def test_every_case_is_well_formed() -> None:
    """Every group and case carries a comment, and every case exactly one of result and error."""
    for group in load_groups():
        assert group.keys() == {"comment", "given", "cases"}
        for case in group["cases"]:
            assert case["comment"]
            assert case.keys() in (
                {"comment", "expression", "result"},
                {"comment", "expression", "error"},
            )


def test_every_result_names_instances_of_its_fleet() -> None:
    """A result can only list ids from its own fleet, in fleet order, so a typo cannot pass silently."""
    for group in load_groups():
        ids = [data["ec2_instance_id"] for data in group["given"]]
        for case in group["cases"]:
            if "result" in case:
                assert case["result"] == [id_ for id_ in ids if id_ in case["result"]]


def engine_instance(instance: Instance) -> EngineInstance:
    """The same instance as the engine's ``Instance``, for a ``ClusterState``."""
    return EngineInstance(
        id=instance.ec2_instance_id,
        registered_cpu=1024,
        registered_memory=1024,
        ec2_instance_id=instance.ec2_instance_id,
        agent_connected=instance.agent_connected,
        agent_version=instance.agent_version,
        registered_at=instance.registered_at,
        running_tasks_count=instance.running_tasks_count,
        attributes=instance.attributes,
        task_groups=dict.fromkeys(instance.task_groups, 1),
    )


@pytest.mark.parametrize(("fleet", "case"), case_params())
def test_case_as_a_state_mask(fleet: list[Instance], case: dict[str, Any]) -> None:
    """A ``ClusterState`` masks the fleet as the expression matches it, whichever way it
    evaluates the query (per instance, or once per combination of attribute values)."""
    if "error" in case:
        return
    query = compile_query(case["expression"])
    instances = [engine_instance(instance) for instance in fleet]
    mask = ClusterState(instances).query_mask(query).tolist()
    assert mask == [query(instance) for instance in instances]
    assert [i.ec2_instance_id for i, keep in zip(fleet, mask, strict=True) if keep] == case[
        "result"
    ]
