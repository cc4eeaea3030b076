"""ClusterState: built once, updated by apply and release, equal to placing on fresh inputs."""

from __future__ import annotations

import dataclasses

import pytest

from placement import (
    ClusterState,
    Instance,
    PlacementConstraint,
    PlacementRequest,
    PlacementStrategy,
    PortMapping,
    TaskNeeds,
    place,
)
from placement.query import compile_query
from tests.placement.conftest import make

NEEDS = TaskNeeds(
    cpu=256,
    memory=512,
    port_mappings=(PortMapping("web", 80, 80), PortMapping("web", 9000, 0)),
    uses_eni=True,
    group="family:web",
)
SPREAD_INSTANCES = (PlacementStrategy("spread", "instanceId"),)


def test_apply_records_everything_a_task_takes() -> None:
    """CPU, memory, ENI, static and dynamic ports, running count and group all move."""
    state = ClusterState([make("a", max_enis=4)])
    state.apply(place(state, NEEDS, PlacementRequest()))
    instance = state.instance(0)
    assert (instance.remaining_cpu, instance.remaining_memory, instance.enis_in_use) == (
        1792,
        7168,
        2,
    )
    assert 80 in instance.reserved_ports
    assert instance.dynamic_ports_in_use == {32768}
    assert instance.last_dynamic_port == 32768
    assert (instance.running_tasks_count, dict(instance.task_groups)) == (1, {"family:web": 1})


def test_release_gives_everything_back() -> None:
    """Stopping the task restores the instance as it was, except the agent's last port."""
    original = make("a", max_enis=4)
    state = ClusterState([original])
    result = place(state, NEEDS, PlacementRequest())
    state.apply(result)
    (placement,) = result.placements
    state.release("a", NEEDS, placement.port_bindings)
    assert dataclasses.replace(state.instance(0), last_dynamic_port=None) == original


def test_applying_matches_placing_on_the_updated_instances() -> None:
    """Placing on a state after apply equals placing on instances rebuilt from it."""
    cluster = [make(f"i{k}", availability_zone=f"us-east-1{'ab'[k % 2]}") for k in range(4)]
    state = ClusterState(cluster)
    needs = dataclasses.replace(NEEDS, uses_eni=False)
    for seed in range(3):
        state.apply(place(state, needs, PlacementRequest(count=2, seed=seed, kind="service")))
    request = PlacementRequest(count=3, seed=99, kind="service")
    assert place(state, needs, request) == place(list(state.instances), needs, request)


def test_port_masks_follow_apply_and_release() -> None:
    """A cached "port taken" column is kept current, not recomputed."""
    state = ClusterState([make("a"), make("b")])
    assert state.port_taken("tcp", 80).tolist() == [False, False]
    result = place(state, NEEDS, PlacementRequest(count=1, seed=1))
    state.apply(result)
    row = state.position(result.placements[0].instance_id)
    assert state.port_taken("tcp", 80)[row]
    state.release(result.placements[0].instance_id, NEEDS, result.placements[0].port_bindings)
    assert not state.port_taken("tcp", 80).any()


def test_dynamic_query_masks_see_new_tasks() -> None:
    """A cached runningTasksCount mask is refreshed for the instances that changed."""
    state = ClusterState([make("a"), make("b")])
    query = compile_query("runningTasksCount == 0")
    assert state.query_mask(query).tolist() == [True, True]
    state.apply(place(state, TaskNeeds(cpu=1, memory=1), PlacementRequest(seed=0)))
    assert sorted(state.query_mask(query).tolist()) == [False, True]


def test_group_counts_know_every_way_a_group_arrives() -> None:
    """Given with an instance, placed by apply, or brought by update_instance: each counts;
    a group no instance has run counts zero everywhere."""
    state = ClusterState([make("a", task_groups={"given": 2}), make("b")])
    assert state.group_counts("given").tolist() == [2, 0]
    assert state.group_counts("never").tolist() == [0, 0]
    placed = TaskNeeds(cpu=1, memory=1, group="placed")
    state.apply(place(state, placed, PlacementRequest(count=2, strategies=SPREAD_INSTANCES)))
    assert state.group_counts("placed").tolist() == [1, 1]
    state.update_instance(make("b", task_groups={"brought": 3}))
    assert state.group_counts("brought").tolist() == [0, 3]
    assert state.group_counts("placed").tolist() == [1, 0]


def test_update_instance_replaces_one_row() -> None:
    """Draining an instance through update_instance takes it out of placement."""
    state = ClusterState([make("a"), make("b")])
    state.update_instance(make("a", status="DRAINING"))
    result = place(state, TaskNeeds(cpu=1, memory=1), PlacementRequest(count=3))
    assert {p.instance_id for p in result.placements} == {"b"}
    assert dict(result.rejected) == {"NOT_ACTIVE": 1}


def test_update_instance_refreshes_attribute_caches() -> None:
    """A changed attribute is seen by memberOf after update_instance."""
    state = ClusterState([make("a", attributes={"stack": "dev"})])
    member_of = PlacementConstraint("memberOf", "attribute:stack == prod")
    request = PlacementRequest(constraints=(member_of,))
    assert not place(state, TaskNeeds(), request).placements
    state.update_instance(make("a", attributes={"stack": "prod"}))
    assert place(state, TaskNeeds(), request).placements


def test_instance_ids_must_be_unique() -> None:
    """Two instances with one id are a caller's mistake."""
    with pytest.raises(ValueError, match="unique"):
        ClusterState([make("a"), make("a")])


def test_place_never_changes_the_state() -> None:
    """place is pure: the state is the same before and after, only apply changes it."""
    state = ClusterState([make("a"), make("b")])
    before = state.instances
    place(state, NEEDS, PlacementRequest(count=2))
    assert state.instances == before


def test_instances_normalise_their_inputs() -> None:
    """Instances fill defaults: the zone attribute, remaining resources, running count."""
    instance = Instance(
        id="a",
        registered_cpu=1024,
        registered_memory=2048,
        availability_zone="us-east-1b",
        task_groups={"g": 2, "gone": 0},
        reserved_ports=[22],
    )
    assert instance.attributes["ecs.availability-zone"] == "us-east-1b"
    assert (instance.remaining_cpu, instance.remaining_memory) == (1024, 2048)
    assert (instance.running_tasks_count, dict(instance.task_groups)) == (2, {"g": 2})
    assert instance.reserved_ports == frozenset({22})
    assert instance.ec2_instance_id == "a"
