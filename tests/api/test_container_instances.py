"""Container instances: register, describe, list (status, filter), drain, deregister."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import identity_document, register_family, register_instance


def resources(instance: dict, kind: str = "registeredResources") -> dict:
    return {r["name"]: r.get("stringSetValue", r["integerValue"]) for r in instance[kind]}


def test_register_sizes_the_instance_from_the_catalog(ecs, cluster):
    """CPU = vCPUs x 1024, memory a little under the type's, PORTS the agent's defaults."""
    answer = ecs.register_container_instance(
        cluster=cluster, instanceIdentityDocument=identity_document("us-east-1b", "m5.large")
    )["containerInstance"]
    registered = resources(answer)
    assert registered["CPU"] == 2048
    assert 7900 < registered["MEMORY"] < 8192
    assert registered["PORTS"] == ["22", "2375", "2376", "51678", "51679"]
    attributes = {a["name"]: a.get("value") for a in answer["attributes"]}
    assert attributes["ecs.availability-zone"] == "us-east-1b"
    assert attributes["ecs.instance-type"] == "m5.large"
    assert answer["status"] == "ACTIVE"
    assert answer["agentConnected"] is True


def test_register_takes_total_resources_and_attributes(ecs, cluster):
    """totalResources override the catalog; custom attributes are kept."""
    answer = ecs.register_container_instance(
        cluster=cluster,
        instanceIdentityDocument=identity_document("us-east-1a", "t3.large"),
        totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 2000},
            {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22"]},
        ],
        attributes=[{"name": "stack", "value": "prod"}],
    )["containerInstance"]
    assert resources(answer) == {"CPU": 1024, "MEMORY": 2000, "PORTS": ["22"], "PORTS_UDP": []}
    assert {"name": "stack", "value": "prod"} in answer["attributes"]


def test_register_needs_an_identity_document_with_a_type(ecs, cluster):
    """Without instanceType there is nothing to size the instance from."""
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.register_container_instance(
            cluster=cluster, instanceIdentityDocument=json.dumps({"region": "us-east-1"})
        )


def test_register_refuses_an_unknown_instance_type(ecs, cluster):
    """Types missing from the catalog are refused."""
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        register_instance(ecs, cluster, instance_type="z9.mega")


def test_describe_reports_missing_instances(ecs, three_zones):
    """Unknown ids are MISSING failures next to the instances found."""
    name, arns = three_zones
    answer = ecs.describe_container_instances(cluster=name, containerInstances=[arns[0], "nope"])
    assert [i["containerInstanceArn"] for i in answer["containerInstances"]] == [arns[0]]
    assert answer["failures"][0]["reason"] == "MISSING"


def test_list_filters_with_the_cluster_query_language(ecs, cluster):
    """`filter` selects instances by the cluster query language."""
    small = register_instance(ecs, cluster, "us-east-1a", instance_type="t3.small")
    register_instance(ecs, cluster, "us-east-1b", instance_type="m5.large")
    answer = ecs.list_container_instances(
        cluster=cluster, filter="attribute:ecs.instance-type =~ t3.*"
    )
    assert answer["containerInstanceArns"] == [small]
    both = ecs.list_container_instances(
        cluster=cluster, filter="attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"
    )
    assert len(both["containerInstanceArns"]) == 2


def test_a_bad_filter_is_an_invalid_parameter_with_a_caret(ecs, three_zones):
    """A filter that does not parse is refused with the parser's message."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException) as caught:
        ecs.list_container_instances(cluster=name, filter="attribute:ecs.instance-type ==")
    assert "^" in caught.value.response["Error"]["Message"]


def test_draining_and_reactivating_instances(ecs, three_zones):
    """DRAINING instances are listed by status; ACTIVE brings them back."""
    name, arns = three_zones
    answer = ecs.update_container_instances_state(
        cluster=name, containerInstances=[arns[0], "ghost"], status="DRAINING"
    )
    assert answer["containerInstances"][0]["status"] == "DRAINING"
    assert answer["failures"][0]["reason"] == "MISSING"
    draining = ecs.list_container_instances(cluster=name, status="DRAINING")
    assert draining["containerInstanceArns"] == [arns[0]]
    ecs.update_container_instances_state(
        cluster=name, containerInstances=[arns[0]], status="ACTIVE"
    )
    assert (
        ecs.list_container_instances(cluster=name, status="DRAINING")["containerInstanceArns"] == []
    )


def test_only_active_and_draining_are_states_to_set(ecs, three_zones):
    """UpdateContainerInstancesState accepts ACTIVE and DRAINING only."""
    name, arns = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.update_container_instances_state(
            cluster=name, containerInstances=arns, status="INACTIVE"
        )


def test_deregister_refuses_an_instance_with_tasks_unless_forced(ecs, cluster):
    """Tasks on the instance block deregistration; force orphans them."""
    arn = register_instance(ecs, cluster)
    ecs.run_task(cluster=cluster, taskDefinition=register_family(ecs))
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.deregister_container_instance(cluster=cluster, containerInstance=arn)
    answer = ecs.deregister_container_instance(cluster=cluster, containerInstance=arn, force=True)
    assert answer["containerInstance"]["status"] == "INACTIVE"
    assert ecs.list_container_instances(cluster=cluster)["containerInstanceArns"] == []
    assert ecs.list_container_instances(cluster=cluster, status="INACTIVE")[
        "containerInstanceArns"
    ] == [arn]


def test_list_container_instances_pages(ecs, three_zones):
    """The paginator walks every instance, two at a time."""
    name, arns = three_zones
    pages = ecs.get_paginator("list_container_instances").paginate(
        cluster=name, PaginationConfig={"PageSize": 2}
    )
    seen = [arn for page in pages for arn in page["containerInstanceArns"]]
    assert seen == arns
