"""RunTask, StartTask, StopTask, DescribeTasks and ListTasks through boto3."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.api.conftest import register_family, register_instance, unique

SPREAD_AZ = [{"type": "spread", "field": "attribute:ecs.availability-zone"}]


def test_run_task_spreads_over_zones(ecs, three_zones):
    """count 6 with spread over zones puts two tasks in each zone."""
    name, _ = three_zones
    answer = ecs.run_task(
        cluster=name, taskDefinition=register_family(ecs), count=6, placementStrategy=SPREAD_AZ
    )
    assert answer["failures"] == []
    assert Counter(t["availabilityZone"] for t in answer["tasks"]) == {
        "us-east-1a": 2,
        "us-east-1b": 2,
        "us-east-1c": 2,
    }
    task = answer["tasks"][0]
    assert task["lastStatus"] == "PENDING"
    assert task["desiredStatus"] == "RUNNING"
    assert task["group"].startswith("family:")
    assert task["launchType"] == "EC2"
    assert (task["cpu"], task["memory"]) == ("256", "512")


def test_tasks_reach_running_and_get_dynamic_ports(ecs, three_zones):
    """With no start delay, the next call sees RUNNING tasks with their dynamic host ports."""
    name, _ = three_zones
    family = register_family(ecs, ports=[{"containerPort": 80, "hostPort": 0}])
    arns = [
        t["taskArn"] for t in ecs.run_task(cluster=name, taskDefinition=family, count=3)["tasks"]
    ]
    ecs.get_waiter("tasks_running").wait(cluster=name, tasks=arns, WaiterConfig={"Delay": 1})
    tasks = ecs.describe_tasks(cluster=name, tasks=arns)["tasks"]
    assert {t["lastStatus"] for t in tasks} == {"RUNNING"}
    binding = tasks[0]["containers"][0]["networkBindings"][0]
    assert binding["containerPort"] == 80
    assert 32768 <= binding["hostPort"] <= 60999
    assert tasks[0]["startedAt"] >= tasks[0]["createdAt"]


def test_stop_task_and_wait_until_stopped(ecs, three_zones):
    """StopTask answers STOPPING; the tasks-stopped waiter then sees STOPPED."""
    name, _ = three_zones
    arn = ecs.run_task(cluster=name, taskDefinition=register_family(ecs))["tasks"][0]["taskArn"]
    stopping = ecs.stop_task(cluster=name, task=arn, reason="lesson over")["task"]
    assert (stopping["desiredStatus"], stopping["stopCode"]) == ("STOPPED", "UserInitiated")
    assert stopping["stoppedReason"] == "lesson over"
    ecs.get_waiter("tasks_stopped").wait(cluster=name, tasks=[arn], WaiterConfig={"Delay": 1})
    stopped = ecs.describe_tasks(cluster=name, tasks=[arn])["tasks"][0]
    assert stopped["lastStatus"] == "STOPPED"
    assert "stoppedAt" in stopped


def test_stopping_releases_the_instance_resources(ecs, cluster):
    """Once STOPPED, the task's CPU and memory are back on the instance."""
    instance = register_instance(ecs, cluster)
    arn = ecs.run_task(cluster=cluster, taskDefinition=register_family(ecs, cpu=512))["tasks"][0][
        "taskArn"
    ]

    def remaining_cpu():
        described = ecs.describe_container_instances(cluster=cluster, containerInstances=[instance])
        return described["containerInstances"][0]["remainingResources"][0]["integerValue"]

    assert remaining_cpu() == 2048 - 512
    ecs.stop_task(cluster=cluster, task=arn)
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1})
    assert remaining_cpu() == 2048


def test_stopping_an_unknown_task_is_an_invalid_parameter(ecs, cluster):
    """StopTask on a task the cluster does not have is refused."""
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.stop_task(cluster=cluster, task="0123456789abcdef0123456789abcdef")


def test_count_above_ten_is_refused(ecs, three_zones):
    """RunTask launches at most ten tasks per call."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.run_task(cluster=name, taskDefinition=register_family(ecs), count=11)


def test_run_task_on_an_empty_cluster_is_an_error_not_a_failure(ecs, cluster):
    """ECS's own error when the cluster has no instances at all."""
    with pytest.raises(ecs.exceptions.InvalidParameterException) as caught:
        ecs.run_task(cluster=cluster, taskDefinition=register_family(ecs))
    assert (
        caught.value.response["Error"]["Message"]
        == "No Container Instances were found in your cluster."
    )


def test_run_task_on_an_unknown_cluster(ecs):
    """RunTask on a cluster that does not exist raises ClusterNotFoundException."""
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.run_task(cluster=unique("nope"), taskDefinition=register_family(ecs))


def test_distinct_instance_with_an_expression_is_refused(ecs, three_zones):
    """distinctInstance takes no expression."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException) as caught:
        ecs.run_task(
            cluster=name,
            taskDefinition=register_family(ecs),
            placementConstraints=[{"type": "distinctInstance", "expression": "x"}],
        )
    assert "distinctInstance expression should not be specified." in str(caught.value)


def test_distinct_instance_reports_failures_for_busy_instances(ecs, three_zones):
    """Four tasks on three instances with distinctInstance: three placed, failures for the rest."""
    name, _ = three_zones
    answer = ecs.run_task(
        cluster=name,
        taskDefinition=register_family(ecs),
        count=4,
        placementConstraints=[{"type": "distinctInstance"}],
    )
    assert len({t["containerInstanceArn"] for t in answer["tasks"]}) == 3
    assert {f["reason"] for f in answer["failures"]} == {
        "DistinctInstance placement constraint unsatisfied."
    }


def test_member_of_limits_placement_to_matching_instances(ecs, three_zones):
    """memberOf keeps tasks on the instances its expression selects."""
    name, _ = three_zones
    answer = ecs.run_task(
        cluster=name,
        taskDefinition=register_family(ecs),
        count=3,
        placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1b"}
        ],
    )
    assert {t["availabilityZone"] for t in answer["tasks"]} == {"us-east-1b"}


def test_a_bad_member_of_expression_is_an_invalid_parameter(ecs, three_zones):
    """memberOf expressions are parsed before placement."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.run_task(
            cluster=name,
            taskDefinition=register_family(ecs),
            placementConstraints=[{"type": "memberOf", "expression": "attribute:x =="}],
        )


def test_resource_shortfalls_are_failures_with_http_200(ecs, three_zones):
    """A task no instance can hold comes back as RESOURCE:* failures, one per instance."""
    name, arns = three_zones
    answer = ecs.run_task(cluster=name, taskDefinition=register_family(ecs, cpu=4096))
    assert answer["tasks"] == []
    assert sorted(f["arn"] for f in answer["failures"]) == sorted(arns)
    assert {f["reason"] for f in answer["failures"]} == {"RESOURCE:CPU"}


def test_a_static_host_port_is_taken_once_per_instance(ecs, three_zones):
    """A second task wanting the same host port needs another instance."""
    name, _ = three_zones
    family = register_family(ecs, ports=[{"containerPort": 80, "hostPort": 8080}])
    answer = ecs.run_task(cluster=name, taskDefinition=family, count=4)
    assert len(answer["tasks"]) == 3
    assert {f["reason"] for f in answer["failures"]} == {"RESOURCE:PORTS"}


def test_draining_instances_take_no_new_tasks(ecs, three_zones):
    """After DRAINING two instances, every new task lands on the third."""
    name, arns = three_zones
    ecs.update_container_instances_state(
        cluster=name, containerInstances=arns[:2], status="DRAINING"
    )
    answer = ecs.run_task(cluster=name, taskDefinition=register_family(ecs), count=3)
    assert {t["containerInstanceArn"] for t in answer["tasks"]} == {arns[2]}


def test_awsvpc_needs_a_network_configuration(ecs, three_zones):
    """awsvpc tasks without networkConfiguration are refused with ECS's message."""
    name, _ = three_zones
    family = register_family(ecs, networkMode="awsvpc")
    with pytest.raises(ecs.exceptions.InvalidParameterException) as caught:
        ecs.run_task(cluster=name, taskDefinition=family)
    assert "Network Configuration must be provided" in str(caught.value)


def test_awsvpc_tasks_get_an_eni_attachment(ecs, three_zones):
    """Each awsvpc task gets an ENI in the requested subnet."""
    name, _ = three_zones
    family = register_family(ecs, networkMode="awsvpc")
    answer = ecs.run_task(
        cluster=name,
        taskDefinition=family,
        networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-0abc"]}},
    )
    task = answer["tasks"][0]
    assert task["lastStatus"] == "PROVISIONING"
    (attachment,) = task["attachments"]
    details = {d["name"]: d["value"] for d in attachment["details"]}
    assert attachment["type"] == "ElasticNetworkInterface"
    assert details["subnetId"] == "subnet-0abc"
    assert details["networkInterfaceId"].startswith("eni-")


def test_a_network_configuration_for_bridge_mode_is_refused(ecs, three_zones):
    """networkConfiguration belongs to awsvpc task definitions only."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.run_task(
            cluster=name,
            taskDefinition=register_family(ecs),
            networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-0abc"]}},
        )


def test_overrides_must_name_containers_of_the_definition(ecs, three_zones):
    """A container override for an unknown container is refused."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.run_task(
            cluster=name,
            taskDefinition=register_family(ecs),
            overrides={"containerOverrides": [{"name": "ghost", "cpu": 1}]},
        )


def test_overrides_change_what_the_task_reserves(ecs, three_zones):
    """A task-level cpu override is what the task reserves."""
    name, _ = three_zones
    answer = ecs.run_task(
        cluster=name, taskDefinition=register_family(ecs), overrides={"cpu": "1024"}
    )
    assert answer["tasks"][0]["cpu"] == "1024"


def test_fargate_is_not_simulated_yet(ecs, three_zones):
    """Launch types other than EC2 are an UnsupportedFeatureException for now."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.UnsupportedFeatureException):
        ecs.run_task(cluster=name, taskDefinition=register_family(ecs), launchType="FARGATE")


def test_an_invalid_launch_type_is_refused(ecs, three_zones):
    """Launch types outside the model's enum are invalid parameters."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.run_task(cluster=name, taskDefinition=register_family(ecs), launchType="FOO")


def test_an_inactive_or_unknown_definition_cannot_run(ecs, three_zones):
    """RunTask refuses INACTIVE revisions and unknown families."""
    name, _ = three_zones
    family = register_family(ecs)
    ecs.deregister_task_definition(taskDefinition=family)
    with pytest.raises(ecs.exceptions.InvalidParameterException, match="inactive"):
        ecs.run_task(cluster=name, taskDefinition=family)
    with pytest.raises(ecs.exceptions.InvalidParameterException, match="not found"):
        ecs.run_task(cluster=name, taskDefinition=unique("ghost"))


def test_a_repeated_client_token_returns_the_same_tasks(ecs, three_zones):
    """A retry with the same clientToken starts nothing new; other parameters conflict."""
    name, _ = three_zones
    family = register_family(ecs)
    first = ecs.run_task(cluster=name, taskDefinition=family, count=2, clientToken="lesson-1")
    again = ecs.run_task(cluster=name, taskDefinition=family, count=2, clientToken="lesson-1")
    assert [t["taskArn"] for t in again["tasks"]] == [t["taskArn"] for t in first["tasks"]]
    with pytest.raises(ecs.exceptions.ConflictException):
        ecs.run_task(cluster=name, taskDefinition=family, count=3, clientToken="lesson-1")


def test_start_task_places_one_task_per_named_instance(ecs, three_zones):
    """StartTask puts a task on each instance named; unknown ones are MISSING failures."""
    name, arns = three_zones
    answer = ecs.start_task(
        cluster=name,
        taskDefinition=register_family(ecs),
        containerInstances=[arns[0], arns[2], "ghost"],
    )
    assert [t["containerInstanceArn"] for t in answer["tasks"]] == [arns[0], arns[2]]
    assert [f["reason"] for f in answer["failures"]] == ["MISSING"]


def test_start_task_still_checks_resources(ecs, three_zones):
    """StartTask refuses an instance without room, with the resource reason."""
    name, arns = three_zones
    answer = ecs.start_task(
        cluster=name, taskDefinition=register_family(ecs, cpu=4096), containerInstances=[arns[0]]
    )
    assert answer["tasks"] == []
    assert answer["failures"] == [{"arn": arns[0], "reason": "RESOURCE:CPU"}]


def test_describe_tasks_reports_missing_tasks(ecs, three_zones):
    """Unknown task ids are MISSING failures."""
    name, _ = three_zones
    arn = ecs.run_task(cluster=name, taskDefinition=register_family(ecs))["tasks"][0]["taskArn"]
    answer = ecs.describe_tasks(cluster=name, tasks=[arn, "0" * 32])
    assert [t["taskArn"] for t in answer["tasks"]] == [arn]
    assert answer["failures"][0]["reason"] == "MISSING"


def test_describe_tasks_takes_at_most_100_ids(ecs, cluster):
    """More than 100 ids get ECS's message."""
    with pytest.raises(ecs.exceptions.InvalidParameterException) as caught:
        ecs.describe_tasks(cluster=cluster, tasks=[f"{i:032x}" for i in range(101)])
    assert "taskIds can have at most 100 items." in str(caught.value)


def test_list_tasks_filters(ecs, three_zones):
    """ListTasks filters by family, instance, startedBy and desired status (RUNNING default)."""
    name, arns = three_zones
    family = register_family(ecs)
    started = ecs.start_task(
        cluster=name, taskDefinition=family, containerInstances=[arns[1]], startedBy="teacher"
    )["tasks"][0]["taskArn"]
    other = ecs.run_task(cluster=name, taskDefinition=register_family(ecs))["tasks"][0]["taskArn"]
    assert ecs.list_tasks(cluster=name, family=family.split(":")[0])["taskArns"] == [started]
    assert ecs.list_tasks(cluster=name, startedBy="teacher")["taskArns"] == [started]
    assert started in ecs.list_tasks(cluster=name, containerInstance=arns[1])["taskArns"]
    ecs.stop_task(cluster=name, task=other)
    assert other not in ecs.list_tasks(cluster=name)["taskArns"]
    assert other in ecs.list_tasks(cluster=name, desiredStatus="STOPPED")["taskArns"]
    assert ecs.list_tasks(cluster=name, desiredStatus="PENDING")["taskArns"] == []


def test_list_tasks_pages(ecs, three_zones):
    """The paginator walks every task."""
    name, _ = three_zones
    ecs.run_task(cluster=name, taskDefinition=register_family(ecs), count=5)
    pages = ecs.get_paginator("list_tasks").paginate(cluster=name, PaginationConfig={"PageSize": 2})
    assert len([arn for page in pages for arn in page["taskArns"]]) == 5


def test_list_tasks_by_an_unknown_service(ecs, cluster):
    """Filtering by a service the cluster does not have raises ServiceNotFoundException."""
    with pytest.raises(ecs.exceptions.ServiceNotFoundException):
        ecs.list_tasks(cluster=cluster, serviceName="web")


def test_clusters_count_running_tasks(ecs, three_zones):
    """DescribeClusters and DescribeContainerInstances count the tasks."""
    name, arns = three_zones
    ecs.run_task(
        cluster=name, taskDefinition=register_family(ecs), count=3, placementStrategy=SPREAD_AZ
    )
    described = ecs.describe_clusters(clusters=[name])["clusters"][0]
    assert described["runningTasksCount"] == 3
    instances = ecs.describe_container_instances(cluster=name, containerInstances=arns)
    assert [i["runningTasksCount"] for i in instances["containerInstances"]] == [1, 1, 1]


def test_capacity_provider_strategies_are_not_simulated_yet(ecs, three_zones):
    """capacityProviderStrategy is an UnsupportedFeatureException; with launchType, invalid."""
    name, _ = three_zones
    strategy = [{"capacityProvider": "spot", "weight": 1}]
    family = register_family(ecs)
    with pytest.raises(ecs.exceptions.UnsupportedFeatureException):
        ecs.run_task(cluster=name, taskDefinition=family, capacityProviderStrategy=strategy)
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.run_task(
            cluster=name, taskDefinition=family, capacityProviderStrategy=strategy, launchType="EC2"
        )


def test_started_by_must_be_the_only_list_filter(ecs, cluster):
    """ListTasks refuses startedBy together with another filter."""
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.list_tasks(cluster=cluster, startedBy="teacher", family="web")
