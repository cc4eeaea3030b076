"""RunTask / StartTask input rules that ECS applies before it looks at a single instance.

Strategy and constraint rules (count, types, fields, expressions, limits) belong to the placement
engine, which raises them with ECS's exception names; `engine_error` turns those into ours.
"""

from __future__ import annotations

import hashlib
import json

from ecsviz import errors
from ecsviz.errors import (
    EcsError,
    InvalidParameterException,
    UnsupportedFeatureException,
)
from ecsviz.models import TaskDefinition
from ecsviz.services.taskdefs import task_definition_get
from placement import PlacementError

LAUNCH_TYPES = ("EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES")
MAX_OVERRIDES_LENGTH = 8192
MAX_TAGS = 50


def engine_error(error: PlacementError) -> EcsError:
    """The control plane's exception for an engine error, by the AWS name the engine gives."""
    kind = getattr(errors, error.aws_code, None)
    if not (isinstance(kind, type) and issubclass(kind, EcsError)):
        kind = InvalidParameterException
    return kind(error.message)


def runnable_definition(reference: str | TaskDefinition) -> TaskDefinition:
    """The revision to run: it must exist, be ACTIVE and be EC2-compatible."""
    row = task_definition_get(
        reference=reference,
        exception=InvalidParameterException,
        message="TaskDefinition not found.",
    )
    if row.status != TaskDefinition.Status.ACTIVE:
        raise InvalidParameterException("TaskDefinition is inactive")
    if "EC2" not in row.definition.get("compatibilities", ["EC2"]):
        raise InvalidParameterException("Task definition does not support launch_type EC2.")
    return row


def check_launch_type(launch_type: str | None) -> None:
    if launch_type in (None, "EC2"):
        return
    if launch_type not in LAUNCH_TYPES:
        raise InvalidParameterException(
            f"launchType must be one of {', '.join(LAUNCH_TYPES)}; got '{launch_type}'."
        )
    raise UnsupportedFeatureException(
        f"Launch type {launch_type} is not supported by ecsviz yet: use EC2."
    )


def check_network_configuration(definition: TaskDefinition, configuration: dict | None) -> None:
    """awsvpc tasks need subnets (16 at most) and at most 5 security groups; others take none."""
    if definition.network_mode != "awsvpc":
        if configuration:
            raise InvalidParameterException(
                "Network Configuration is not valid for the given networkMode of this task "
                "definition."
            )
        return
    awsvpc = (configuration or {}).get("awsvpcConfiguration")
    if not awsvpc:
        raise InvalidParameterException(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified."
        )
    subnets = awsvpc.get("subnets") or []
    if not 1 <= len(subnets) <= 16:
        raise InvalidParameterException("subnets can have at least 1 and at most 16 items.")
    if len(awsvpc.get("securityGroups") or []) > 5:
        raise InvalidParameterException("securityGroups can have at most 5 items.")


def check_overrides(definition: TaskDefinition, overrides: dict | None) -> None:
    if not overrides:
        return
    if len(json.dumps(overrides, separators=(",", ":"))) > MAX_OVERRIDES_LENGTH:
        raise InvalidParameterException(
            f"Container Overrides length must be at most {MAX_OVERRIDES_LENGTH}."
        )
    names = {c["name"] for c in definition.container_definitions}
    for override in overrides.get("containerOverrides") or []:
        if override.get("name") not in names:
            raise InvalidParameterException(
                f"Override for container named {override.get('name')} is not a container in "
                "the TaskDefinition."
            )


def check_labels(*, group: str | None, started_by: str, tags: list[dict] | None) -> None:
    if group is not None and not 1 <= len(group) <= 255:
        raise InvalidParameterException("group must be between 1 and 255 characters.")
    if len(started_by) > 128:
        raise InvalidParameterException("startedBy must be at most 128 characters.")
    if len(tags or []) > MAX_TAGS:
        raise InvalidParameterException(f"A resource can have at most {MAX_TAGS} tags.")


def fingerprint(**request: object) -> str:
    """A digest of a request's parameters, to recognise a retry that reuses a clientToken."""
    text = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
