"""botocore's ECS service model: the source of truth for operation names and input shapes.

Using the model the clients themselves use means a request the AWS CLI accepts is one ecsviz
accepts, and the validation messages are botocore's own.
"""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel
from botocore.validate import ParamValidator

from ecsviz.errors import EcsError, InvalidParameterException


class SerializationException(EcsError):
    """A body that is not JSON, or a member of the wrong JSON type (AWS's coral framework)."""


class UnknownOperationException(EcsError):
    """An X-Amz-Target naming no ECS operation."""


@cache
def service_model() -> ServiceModel:
    """The ECS model shipped with the installed botocore, loaded once per process."""
    return botocore.session.get_session().get_service_model("ecs")


def target_prefix() -> str:
    return service_model().metadata["targetPrefix"]


def operation_model(name: str) -> OperationModel:
    """The model of one operation, or AWS's error for a name the service does not have."""
    if name not in service_model().operation_names:
        raise UnknownOperationException(f"Operation {name} is not supported by this service.")
    return service_model().operation_model(name)


def validate_input(operation: OperationModel, params: object) -> None:
    """Check a request body against the operation's input shape, as botocore would client-side.

    Wrong JSON types are serialisation errors in AWS; missing or out-of-range members are
    parameter errors.
    """
    if not isinstance(params, dict):
        raise SerializationException("Start of structure or map found where not expected.")
    if operation.input_shape is None:
        return
    report = ParamValidator().validate(params, operation.input_shape)
    if not report.has_errors():
        return
    message = report.generate_report()
    if all(line.startswith("Invalid type") for line in message.splitlines()):
        raise SerializationException(message)
    raise InvalidParameterException(message)
