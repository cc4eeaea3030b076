"""RunTask, StartTask, StopTask, DescribeTasks, ListTasks."""

from __future__ import annotations

from ecsviz import arns
from ecsviz.api import serializers
from ecsviz.api.pagination import paginate
from ecsviz.api.registry import Context, operation
from ecsviz.errors import (
    InvalidParameterException,
    ServiceNotFoundException,
    UnsupportedFeatureException,
)
from ecsviz.models import Task
from ecsviz.services import (
    RunTaskResult,
    cluster_get,
    container_instances_find,
    task_run,
    task_start,
    task_stop,
)

LIST_FILTERS = ("containerInstance", "family", "serviceName", "launchType")


def tasks_answer(result: RunTaskResult, context: Context) -> dict:
    return {
        "tasks": [serializers.task(row, context.region) for row in answer_rows(result.tasks)],
        "failures": [
            {**f, "arn": serializers.regional(f["arn"], context.region)} for f in result.failures
        ],
    }


def answer_rows(tasks: list[Task]) -> list[Task]:
    """The tasks with what `serializers.task` reads: as they are if RunTask attached it."""
    related = [
        Task._meta.get_field(f) for f in ("cluster", "task_definition", "container_instance")
    ]
    if all(field.is_cached(task) for task in tasks for field in related):
        return tasks
    rows = serializers.task_rows(Task.objects.filter(pk__in=[t.pk for t in tasks]))
    by_pk = {row.pk: row for row in rows}
    return [by_pk[t.pk] for t in tasks]


@operation("RunTask", own_clock=True)
def run_task(params: dict, context: Context) -> dict:
    if params.get("capacityProviderStrategy"):
        if params.get("launchType"):
            raise InvalidParameterException(
                "Specifying both a launchType and capacityProviderStrategy is not supported."
            )
        raise_unsupported("capacityProviderStrategy")
    result = task_run(
        cluster=params.get("cluster"),
        task_definition=params["taskDefinition"],
        count=params.get("count", 1),
        placement_strategy=params.get("placementStrategy"),
        placement_constraints=params.get("placementConstraints"),
        group=params.get("group"),
        started_by=params.get("startedBy") or "",
        launch_type=params.get("launchType"),
        network_configuration=params.get("networkConfiguration"),
        overrides=params.get("overrides"),
        tags=params.get("tags"),
        client_token=params.get("clientToken"),
    )
    return tasks_answer(result, context)


def raise_unsupported(member: str) -> None:
    raise UnsupportedFeatureException(f"{member} is not supported by ecsviz yet.")


@operation("StartTask", own_clock=True)
def start_task(params: dict, context: Context) -> dict:
    result = task_start(
        cluster=params.get("cluster"),
        task_definition=params["taskDefinition"],
        container_instances=params["containerInstances"],
        group=params.get("group"),
        started_by=params.get("startedBy") or "",
        network_configuration=params.get("networkConfiguration"),
        overrides=params.get("overrides"),
        tags=params.get("tags"),
    )
    return tasks_answer(result, context)


@operation("StopTask")
def stop_task(params: dict, context: Context) -> dict:
    row = task_stop(
        cluster=params.get("cluster"), task=params["task"], reason=params.get("reason") or ""
    )
    return {
        "task": serializers.task(serializers.task_rows(Task.objects).get(pk=row.pk), context.region)
    }


@operation("DescribeTasks")
def describe_tasks(params: dict, context: Context) -> dict:
    """Tasks by id or ARN, stopped ones included; unknown ones are `MISSING` failures."""
    cluster = cluster_get(identifier=params.get("cluster"))
    wanted = params["tasks"]
    if len(wanted) > 100:
        raise InvalidParameterException("taskIds can have at most 100 items.")
    ids = [arns.resource_id(item) for item in wanted]
    rows = serializers.task_rows(Task.objects.filter(cluster=cluster, task_id__in=ids))
    by_id = {row.task_id: row for row in rows}
    include_tags = "TAGS" in (params.get("include") or [])
    tasks, failures = [], []
    for task_id in dict.fromkeys(ids):
        if task_id not in by_id:
            arn = arns.task_arn(cluster.name, task_id, context.region)
            failures.append({"arn": arn, "reason": "MISSING"})
            continue
        body = serializers.task(by_id[task_id], context.region)
        if not include_tags:
            body.pop("tags")
        tasks.append(body)
    return {"tasks": tasks, "failures": failures}


@operation("ListTasks")
def list_tasks(params: dict, context: Context) -> dict:
    """Task ARNs by filter; desiredStatus RUNNING unless asked otherwise (PENDING never matches)."""
    cluster = cluster_get(identifier=params.get("cluster"))
    if params.get("startedBy") and any(params.get(f) for f in LIST_FILTERS):
        raise InvalidParameterException(
            "startedBy must be the only filter when it is specified (desiredStatus aside)."
        )
    rows = Task.objects.filter(
        cluster=cluster, desired_status=params.get("desiredStatus") or "RUNNING"
    )
    if params.get("containerInstance"):
        found, _ = container_instances_find(
            cluster=cluster, identifiers=[params["containerInstance"]]
        )
        rows = rows.filter(container_instance__in=found)
    if params.get("family"):
        rows = rows.filter(task_definition__family=params["family"])
    if params.get("serviceName"):
        service = cluster.services.filter(name=arns.resource_id(params["serviceName"])).first()
        if service is None:
            raise ServiceNotFoundException()
        rows = rows.filter(service=service)
    if params.get("launchType"):
        rows = rows.filter(launch_type=params["launchType"])
    if params.get("startedBy"):
        rows = rows.filter(started_by=params["startedBy"])
    ids = rows.order_by("created_at", "pk").values_list("task_id", flat=True)
    page, token = paginate(ids, params)
    return {"taskArns": [arns.task_arn(cluster.name, i, context.region) for i in page], **token}
