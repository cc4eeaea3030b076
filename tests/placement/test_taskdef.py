"""Task-definition normalisation: what one task of a definition asks of an instance."""

from __future__ import annotations

import pytest

from placement import InvalidTaskDefinition, PlacementConstraint, PortMapping
from placement.taskdef import parse_task_cpu, parse_task_memory, task_needs_from_definition


def definition(*containers: dict, **task: object) -> dict:
    """A task definition in family "web" with the given containers and task-level fields."""
    return {"family": "web", "containerDefinitions": list(containers), **task}


def container(name: str = "app", **fields: object) -> dict:
    """A container definition with an image."""
    return {"name": name, "image": "nginx", **fields}


@pytest.mark.parametrize(
    ("value", "units"),
    [
        ("1 vCPU", 1024),
        ("1 vcpu", 1024),
        ("0.5 vCPU", 512),
        ("2vCPU", 2048),
        ("256", 256),
        (512, 512),
        (None, None),
        ("", None),
    ],
)
def test_task_cpu_accepts_every_documented_form(value: object, units: int | None) -> None:
    """Task-level cpu reads as units from "1 vCPU", "1024" or a number."""
    assert parse_task_cpu(value) == units


@pytest.mark.parametrize(
    ("value", "mib"),
    [
        ("2 GB", 2048),
        ("2GB", 2048),
        ("2gb", 2048),
        ("0.5 GB", 512),
        ("2048", 2048),
        (3072, 3072),
        (None, None),
    ],
)
def test_task_memory_accepts_every_documented_form(value: object, mib: int | None) -> None:
    """Task-level memory reads as MiB from "2 GB", "2GB", "2048" or a number."""
    assert parse_task_memory(value) == mib


@pytest.mark.parametrize("value", ["two", "1 GHz", "1.5.2"])
def test_unreadable_task_cpu_is_a_client_exception(value: str) -> None:
    """A cpu string that is neither units nor vCPUs raises ClientException."""
    with pytest.raises(InvalidTaskDefinition, match="Invalid 'cpu' setting for task") as caught:
        parse_task_cpu(value)
    assert caught.value.aws_code == "ClientException"


def test_memory_reservation_is_charged_when_set() -> None:
    """The soft limit (memoryReservation) is what ECS takes from the instance, not memory."""
    needs = task_needs_from_definition(definition(container(memory=1024, memoryReservation=256)))
    assert needs.memory == 256


def test_memory_is_charged_without_a_reservation() -> None:
    """Without memoryReservation the hard limit is charged."""
    needs = task_needs_from_definition(definition(container(memory=1024)))
    assert needs.memory == 1024


def test_container_memory_and_cpu_add_up() -> None:
    """Each container's charge counts: reservation for one, hard limit for the other."""
    needs = task_needs_from_definition(
        definition(
            container("app", cpu=256, memory=512, memoryReservation=128),
            container("sidecar", cpu=128, memory=256),
        )
    )
    assert (needs.cpu, needs.memory) == (384, 384)


def test_task_level_values_win_over_containers() -> None:
    """Task-level cpu and memory, when set, are the task's reservation."""
    needs = task_needs_from_definition(
        definition(container(cpu=128, memory=256), cpu="1 vCPU", memory="2 GB")
    )
    assert (needs.cpu, needs.memory) == (1024, 2048)


def test_container_without_memory_is_refused() -> None:
    """No memory anywhere is ECS's "At least one of 'memory' or 'memoryReservation'" error."""
    with pytest.raises(InvalidTaskDefinition, match="At least one of 'memory'"):
        task_needs_from_definition(definition(container(cpu=128)))


def test_overrides_replace_task_and_container_values() -> None:
    """RunTask overrides win over the definition, per container and at task level."""
    task = definition(container(cpu=128, memory=256), container("side", memory=64))
    overrides = {"containerOverrides": [{"name": "app", "memoryReservation": 100}], "cpu": "512"}
    needs = task_needs_from_definition(task, overrides=overrides)
    assert (needs.cpu, needs.memory) == (512, 164)


def test_bridge_ports_are_static_or_dynamic() -> None:
    """In bridge mode hostPort 0 or omitted is dynamic; any other value is static."""
    needs = task_needs_from_definition(
        definition(
            container(
                memory=128,
                portMappings=[
                    {"containerPort": 80, "hostPort": 8080},
                    {"containerPort": 81, "hostPort": 0},
                    {"containerPort": 82},
                    {"containerPort": 53, "hostPort": 53, "protocol": "udp"},
                ],
            )
        )
    )
    assert needs.static_ports == {8080}
    assert needs.static_ports_udp == {53}
    assert [m.container_port for m in needs.dynamic_mappings] == [81, 82]


def test_host_mode_takes_the_container_port_on_the_host() -> None:
    """In host mode the host port is the container port, whether hostPort is given or not."""
    needs = task_needs_from_definition(
        definition(
            container(
                memory=128,
                portMappings=[{"containerPort": 80}, {"containerPort": 443, "hostPort": 443}],
            ),
            networkMode="host",
        )
    )
    assert needs.port_mappings == (PortMapping("app", 80, 80), PortMapping("app", 443, 443))
    assert needs.dynamic_mappings == ()


def test_host_mode_refuses_a_different_host_port() -> None:
    """host mode with hostPort != containerPort is a ClientException."""
    with pytest.raises(InvalidTaskDefinition, match="networkMode=host"):
        task_needs_from_definition(
            definition(
                container(memory=128, portMappings=[{"containerPort": 80, "hostPort": 81}]),
                networkMode="host",
            )
        )


def test_awsvpc_needs_an_eni_and_no_instance_port() -> None:
    """awsvpc tasks take an ENI and the task-eni capability, and no port on the instance."""
    needs = task_needs_from_definition(
        definition(
            container(memory=128, portMappings=[{"containerPort": 80, "hostPort": 80}]),
            networkMode="awsvpc",
        )
    )
    assert needs.uses_eni
    assert needs.port_mappings == ()
    assert "ecs.capability.task-eni" in needs.required_attributes


def test_required_attributes_include_log_drivers_and_requires_attributes() -> None:
    """requiresAttributes and each log driver's capability become required attributes."""
    needs = task_needs_from_definition(
        definition(
            container(memory=128, logConfiguration={"logDriver": "awslogs"}),
            requiresAttributes=[
                {"name": "com.amazonaws.ecs.capability.task-iam-role"},
                {"name": "stack", "value": "prod"},
            ],
        )
    )
    assert dict(needs.required_attributes) == {
        "com.amazonaws.ecs.capability.task-iam-role": None,
        "stack": "prod",
        "com.amazonaws.ecs.capability.logging-driver.awslogs": None,
    }


def test_member_of_constraints_come_along() -> None:
    """The definition's memberOf constraints become part of the task's needs."""
    constraint = {"type": "memberOf", "expression": "attribute:stack == prod"}
    needs = task_needs_from_definition(
        definition(container(memory=128), placementConstraints=[constraint])
    )
    assert needs.constraints == (PlacementConstraint("memberOf", "attribute:stack == prod"),)


def test_distinct_instance_in_a_definition_is_refused() -> None:
    """ECS refuses distinctInstance in a task definition with a ClientException."""
    with pytest.raises(
        InvalidTaskDefinition, match=r"constraint\.type 'distinctInstance' is not supported\."
    ):
        task_needs_from_definition(
            definition(container(memory=128), placementConstraints=[{"type": "distinctInstance"}])
        )


def test_group_defaults_to_the_family() -> None:
    """Without a group, tasks are in family:<family>, as RunTask's default."""
    assert task_needs_from_definition(definition(container(memory=128))).group == "family:web"
    assert (
        task_needs_from_definition(definition(container(memory=128)), group="service:api").group
        == "service:api"
    )
