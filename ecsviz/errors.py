"""ECS's exceptions, raised by the control plane and turned into AWS JSON errors by the API.

    EcsError                      (code = the AWS exception name; message = AWS's text)
    ├── ClientException
    ├── InvalidParameterException
    ├── ClusterNotFoundException
    ├── ClusterContainsContainerInstancesException
    ├── ClusterContainsServicesException
    ├── ClusterContainsTasksException
    ├── ServiceNotFoundException
    ├── ServiceNotActiveException
    ├── TargetNotFoundException
    ├── AttributeLimitExceededException
    ├── UnsupportedFeatureException
    ├── ConflictException
    ├── ResourceNotFoundException
    └── ServerException           (the only one answered with HTTP 500)

The dashboard shows the same messages, so a rule has one wording wherever it is broken.
"""

from __future__ import annotations


class EcsError(Exception):
    """Base of every error the control plane reports to a client."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def code(self) -> str:
        return type(self).__name__


class ClientException(EcsError):
    pass


class InvalidParameterException(EcsError):
    pass


class ClusterNotFoundException(EcsError):
    def __init__(self, message: str = "Cluster not found.") -> None:
        super().__init__(message)


class ClusterContainsContainerInstancesException(EcsError):
    pass


class ClusterContainsServicesException(EcsError):
    pass


class ClusterContainsTasksException(EcsError):
    pass


class ServiceNotFoundException(EcsError):
    def __init__(self, message: str = "Service not found.") -> None:
        super().__init__(message)


class ServiceNotActiveException(EcsError):
    def __init__(self, message: str = "Service was not ACTIVE.") -> None:
        super().__init__(message)


class TargetNotFoundException(EcsError):
    pass


class AttributeLimitExceededException(EcsError):
    pass


class UnsupportedFeatureException(EcsError):
    pass


class ConflictException(EcsError):
    pass


class ResourceNotFoundException(EcsError):
    pass


class ServerException(EcsError):
    status = 500
