"""Task definitions: register (with ECS's validation), describe, deregister, list."""

from __future__ import annotations

import pytest

from tests.api.conftest import unique

CONTAINER = {"name": "app", "image": "nginx:1.27", "memory": 512}


def register(ecs, family, **extra):
    body = {"family": family, "containerDefinitions": [CONTAINER], **extra}
    return ecs.register_task_definition(**body)["taskDefinition"]


def test_revisions_count_up_per_family(ecs):
    """Each registration in a family gets the next revision."""
    family = unique("f")
    assert [register(ecs, family)["revision"] for _ in range(3)] == [1, 2, 3]


def test_register_fills_in_ecs_defaults(ecs):
    """The stored definition shows the defaults ECS fills in."""
    definition = register(ecs, unique("f"), cpu="0.5 vCPU", memory="1 GB")
    assert definition["status"] == "ACTIVE"
    assert definition["networkMode"] == "bridge"
    assert (definition["cpu"], definition["memory"]) == ("512", "1024")
    container = definition["containerDefinitions"][0]
    assert container["essential"] is True
    assert container["portMappings"] == []
    assert definition["compatibilities"] == ["EC2"]
    assert definition["taskDefinitionArn"].endswith(f":task-definition/{definition['family']}:1")


def test_a_container_without_memory_is_refused(ecs):
    """EC2 needs memory or memoryReservation when the task sets none."""
    with pytest.raises(ecs.exceptions.ClientException) as caught:
        ecs.register_task_definition(
            family=unique("f"), containerDefinitions=[{"name": "app", "image": "nginx"}]
        )
    assert "At least one of 'memory' or 'memoryReservation'" in str(caught.value)


def test_memory_below_memory_reservation_is_refused(ecs):
    """The hard limit cannot be below the soft limit."""
    container = {**CONTAINER, "memory": 128, "memoryReservation": 256}
    with pytest.raises(ecs.exceptions.ClientException):
        ecs.register_task_definition(family=unique("f"), containerDefinitions=[container])


def test_fargate_needs_awsvpc_and_a_valid_size(ecs):
    """Fargate rules: awsvpc only, task-level cpu and memory from the size table."""
    family = unique("f")
    with pytest.raises(ecs.exceptions.ClientException) as caught:
        register(ecs, family, requiresCompatibilities=["FARGATE"], cpu="256", memory="512")
    assert "Fargate only supports network mode 'awsvpc'." in str(caught.value)
    with pytest.raises(ecs.exceptions.ClientException) as caught:
        register(
            ecs,
            family,
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="4096",
        )
    assert "Invalid 'cpu' setting for task." in str(caught.value)
    ok = register(
        ecs,
        family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    assert ok["compatibilities"] == ["EC2", "FARGATE"]


def test_more_than_ten_containers_are_refused(ecs):
    """A task definition holds at most ten containers."""
    containers = [{**CONTAINER, "name": f"c{i}"} for i in range(11)]
    with pytest.raises(ecs.exceptions.ClientException):
        ecs.register_task_definition(family=unique("f"), containerDefinitions=containers)


def test_distinct_instance_is_refused_in_a_task_definition(ecs):
    """Only memberOf constraints belong in task definitions."""
    with pytest.raises(ecs.exceptions.ClientException) as caught:
        register(ecs, unique("f"), placementConstraints=[{"type": "distinctInstance"}])
    assert "constraint.type 'distinctInstance' is not supported." in str(caught.value)


def test_port_mapping_rules_follow_the_network_mode(ecs):
    """host mode needs hostPort == containerPort; none mode allows no mappings."""
    mapped = {**CONTAINER, "portMappings": [{"containerPort": 80, "hostPort": 8080}]}
    with pytest.raises(ecs.exceptions.ClientException):
        ecs.register_task_definition(
            family=unique("f"), networkMode="host", containerDefinitions=[mapped]
        )
    with pytest.raises(ecs.exceptions.ClientException):
        ecs.register_task_definition(
            family=unique("f"), networkMode="none", containerDefinitions=[mapped]
        )


def test_oversized_definitions_are_refused(ecs):
    """Task definitions are at most 64 KiB."""
    container = {**CONTAINER, "environment": [{"name": "BIG", "value": "x" * 70000}]}
    with pytest.raises(ecs.exceptions.ClientException):
        ecs.register_task_definition(family=unique("f"), containerDefinitions=[container])


def test_describe_resolves_family_revision_and_arn(ecs):
    """A bare family is its latest ACTIVE revision; family:revision and ARNs name one."""
    family = unique("f")
    first, second = register(ecs, family), register(ecs, family)
    assert ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]["revision"] == 2
    by_arn = ecs.describe_task_definition(taskDefinition=first["taskDefinitionArn"])
    assert by_arn["taskDefinition"]["revision"] == 1
    tagged = ecs.describe_task_definition(taskDefinition=f"{family}:2", include=["TAGS"])
    assert tagged["tags"] == []
    assert second["revision"] == 2


def test_describing_an_unknown_definition_is_a_client_exception(ecs):
    """ECS answers ClientException for a definition it cannot find."""
    with pytest.raises(ecs.exceptions.ClientException):
        ecs.describe_task_definition(taskDefinition=unique("none"))


def test_deregister_makes_a_revision_inactive_and_skipped(ecs):
    """An INACTIVE revision is no longer what the bare family means."""
    family = unique("f")
    register(ecs, family)
    register(ecs, family)
    answer = ecs.deregister_task_definition(taskDefinition=f"{family}:2")
    assert answer["taskDefinition"]["status"] == "INACTIVE"
    assert ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]["revision"] == 1
    assert register(ecs, family)["revision"] == 3


def test_deregister_needs_a_revision(ecs):
    """A bare family is not enough to deregister."""
    family = unique("f")
    register(ecs, family)
    with pytest.raises(ecs.exceptions.ClientException):
        ecs.deregister_task_definition(taskDefinition=family)


def test_list_task_definitions_by_family_status_and_order(ecs):
    """ARNs sorted by revision, ACTIVE by default, DESC on request, INACTIVE separately."""
    family = unique("f")
    for _ in range(3):
        register(ecs, family)
    ecs.deregister_task_definition(taskDefinition=f"{family}:1")
    listed = ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]
    assert [arn.rsplit(":", 1)[1] for arn in listed] == ["2", "3"]
    desc = ecs.list_task_definitions(familyPrefix=family, sort="DESC")["taskDefinitionArns"]
    assert desc == listed[::-1]
    inactive = ecs.list_task_definitions(familyPrefix=family, status="INACTIVE")
    assert [arn.rsplit(":", 1)[1] for arn in inactive["taskDefinitionArns"]] == ["1"]


def test_list_task_definitions_pages(ecs):
    """The paginator walks every revision."""
    family = unique("f")
    for _ in range(3):
        register(ecs, family)
    pages = ecs.get_paginator("list_task_definitions").paginate(
        familyPrefix=family, PaginationConfig={"PageSize": 2}
    )
    assert len([arn for page in pages for arn in page["taskDefinitionArns"]]) == 3


def test_list_task_definition_families_by_prefix_and_status(ecs):
    """Families are ACTIVE while a revision is; INACTIVE once none is."""
    prefix = unique("fam")
    register(ecs, f"{prefix}-a")
    register(ecs, f"{prefix}-b")
    ecs.deregister_task_definition(taskDefinition=f"{prefix}-b:1")
    assert ecs.list_task_definition_families(familyPrefix=prefix)["families"] == [f"{prefix}-a"]
    inactive = ecs.list_task_definition_families(familyPrefix=prefix, status="INACTIVE")
    assert inactive["families"] == [f"{prefix}-b"]
    every = ecs.list_task_definition_families(familyPrefix=prefix, status="ALL", maxResults=1)
    assert every["families"] == [f"{prefix}-a"]
    assert "nextToken" in every
