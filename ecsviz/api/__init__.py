"""The ECS API: the wire protocol the AWS CLI and boto3 speak, served at `POST /`.

A request flows through four small layers, each in its own module:

    views.py      POST / -> ecs_api(): the HTTP edge (never HTML, never an unhandled 500)
    protocol.py   X-Amz-Target, region, JSON body, validation, error and success responses
    model.py      botocore's own ECS service model and its ParamValidator
    <group>.py    one handler per operation (clusters, instances, attributes, taskdefs, tasks),
                  each reading the request, calling `ecsviz.services` and serialising the result

Handlers register themselves in `registry.OPERATIONS` by operation name; `serializers.py` turns
rows into AWS's output shapes and `pagination.py` implements nextToken / maxResults.
"""

from __future__ import annotations
