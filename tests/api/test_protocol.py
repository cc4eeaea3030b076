"""The wire protocol: targets, bodies, validation against botocore's model, error shapes."""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from ecsviz.api import encoding
from tests.api.conftest import make_client, raw_post

TARGET = "AmazonEC2ContainerServiceV20141113."


def test_an_unknown_operation_is_refused_as_aws_does(endpoint):
    """A target naming no ECS operation is HTTP 400 UnknownOperationException."""
    status, headers, body = raw_post(endpoint, b"{}", TARGET + "LaunchRockets")
    assert status == 400
    assert body["__type"] == "UnknownOperationException"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"


def test_a_missing_target_is_an_unknown_operation(endpoint):
    """POST / without X-Amz-Target is an unknown operation, not an HTML page."""
    status, _, body = raw_post(endpoint, b"{}", None)
    assert (status, body["__type"]) == (400, "UnknownOperationException")


def test_malformed_json_is_a_serialization_exception(endpoint):
    """A body that is not JSON gets AWS's SerializationException."""
    status, _, body = raw_post(endpoint, b"{not json", TARGET + "ListClusters")
    assert (status, body["__type"]) == (400, "SerializationException")


def test_a_body_that_is_not_an_object_is_a_serialization_exception(endpoint):
    """A JSON array where a structure belongs is a serialisation error."""
    status, _, body = raw_post(endpoint, b"[1, 2]", TARGET + "ListClusters")
    assert (status, body["__type"]) == (400, "SerializationException")


def test_a_missing_required_member_is_an_invalid_parameter(endpoint):
    """botocore's validator reports the missing member, under ECS's exception name."""
    status, _, body = raw_post(endpoint, b"{}", TARGET + "RunTask")
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    assert 'Missing required parameter in input: "taskDefinition"' in body["message"]


def test_a_member_of_the_wrong_type_is_a_serialization_exception(endpoint):
    """A string where the model has an integer is a serialisation error."""
    status, _, body = raw_post(
        endpoint, b'{"taskDefinition": "x", "count": "three"}', TARGET + "RunTask"
    )
    assert (status, body["__type"]) == (400, "SerializationException")
    assert "Invalid type for parameter count" in body["message"]


def test_an_unknown_member_is_an_invalid_parameter(endpoint):
    """Members the model does not have are refused with botocore's message."""
    status, _, body = raw_post(endpoint, b'{"bogus": 1}', TARGET + "ListClusters")
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    assert 'Unknown parameter in input: "bogus"' in body["message"]


def test_success_carries_a_request_id(endpoint):
    """Every answer has an x-amzn-RequestId header that botocore copies into its metadata."""
    status, headers, body = raw_post(endpoint, b"", TARGET + "ListClusters")
    assert status == 200
    assert "clusterArns" in body
    assert len(headers["x-amzn-RequestId"]) == 36


def test_boto3_reads_the_request_id(ecs):
    """botocore parses the request id header into ResponseMetadata."""
    answer = ecs.list_clusters()
    assert len(answer["ResponseMetadata"]["RequestId"]) == 36


def test_errors_become_modeled_exceptions(ecs):
    """An ECS error reaches boto3 as the modeled exception class with AWS's message."""
    with pytest.raises(ecs.exceptions.ClusterNotFoundException) as caught:
        ecs.describe_container_instances(cluster="no-such-cluster", containerInstances=["x"])
    assert caught.value.response["Error"]["Message"] == "Cluster not found."
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_client_side_validation_still_applies(ecs):
    """boto3 refuses what its own model refuses, before any request is sent."""
    with pytest.raises(ParamValidationError):
        ecs.run_task(cluster="x")


def test_operations_not_built_yet_are_unsupported(ecs):
    """Model operations ecsviz does not simulate yet answer UnsupportedFeatureException."""
    with pytest.raises(ecs.exceptions.UnsupportedFeatureException):
        ecs.list_services()


def test_arns_use_the_region_the_client_signed_for(endpoint):
    """The region comes from the SigV4 credential scope."""
    client = make_client(endpoint, region="eu-west-3")
    try:
        answer = client.create_cluster(clusterName="regional")
    finally:
        client.close()
    assert answer["cluster"]["clusterArn"].startswith("arn:aws:ecs:eu-west-3:")


def test_get_root_still_serves_the_cluster_list(endpoint):
    """Browsers keep getting the dashboard at GET /."""
    with urllib.request.urlopen(endpoint + "/", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/html")


def test_client_errors_are_never_server_errors(ecs):
    """A nonsensical but well-typed request is a 4xx, never a 500."""
    with pytest.raises(ClientError) as caught:
        ecs.list_tasks(cluster="nope", desiredStatus="SIDEWAYS")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_unknown_host_is_still_answered_in_json(endpoint):
    """A Host outside ALLOWED_HOSTS gets a JSON error an AWS client can read, not an HTML page."""
    status, _, body = raw_post(
        endpoint, b"{}", TARGET + "ListClusters", headers={"Host": "ecs.example.invalid"}
    )
    assert (status, body["__type"]) == (400, "ClientException")
    assert "ALLOWED_HOSTS" in body["message"]


def test_api_answers_carry_the_security_headers_of_every_page(endpoint):
    """API calls skip the dashboard's middleware but not Django's security headers."""
    status, headers, _ = raw_post(endpoint, b"{}", TARGET + "ListClusters")
    assert status == 200
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert int(headers["Content-Length"]) > 0


def test_only_a_post_to_the_root_with_a_target_takes_the_api_path():
    from ecsviz.api.asgi import is_api_call

    def scope(method: str = "POST", path: str = "/", target: bool = True) -> dict:
        headers = [(b"host", b"127.0.0.1")] + ([(b"x-amz-target", b"X.Op")] if target else [])
        return {"type": "http", "method": method, "path": path, "headers": headers}

    assert is_api_call(scope())
    assert not is_api_call(scope(target=False))
    assert not is_api_call(scope(method="GET"))
    assert not is_api_call(scope(path="/clusters/x/"))


def test_answers_leave_out_null_members_at_every_depth():
    body = {"a": None, "b": [{"c": None, "d": 1}, [None, {"e": None}]], "f": {"g": {"h": None}}}
    assert encoding.prune(body) == {"b": [{"d": 1}, [None, {}]], "f": {"g": {}}}
    assert json.loads(encoding.dumps({"t": None, "n": 0, "s": ""})) == {"n": 0, "s": ""}
