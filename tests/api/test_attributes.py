"""PutAttributes, DeleteAttributes and ListAttributes on container instances."""

from __future__ import annotations

import pytest


def put(ecs, cluster, target, name, value=None):
    attribute = {"name": name, "targetType": "container-instance", "targetId": target}
    if value is not None:
        attribute["value"] = value
    return ecs.put_attributes(cluster=cluster, attributes=[attribute])


def test_put_list_and_delete_a_custom_attribute(ecs, three_zones):
    """A custom attribute is listed with its target until it is deleted."""
    name, arns = three_zones
    answer = put(ecs, name, arns[0].rsplit("/", 1)[1], "stack", "prod")
    assert answer["attributes"][0]["targetId"] == arns[0]
    listed = ecs.list_attributes(
        cluster=name, targetType="container-instance", attributeName="stack"
    )
    assert listed["attributes"] == [
        {"name": "stack", "value": "prod", "targetType": "container-instance", "targetId": arns[0]}
    ]
    ecs.delete_attributes(
        cluster=name,
        attributes=[{"name": "stack", "targetType": "container-instance", "targetId": arns[0]}],
    )
    listed = ecs.list_attributes(
        cluster=name, targetType="container-instance", attributeName="stack"
    )
    assert listed["attributes"] == []


def test_custom_attributes_drive_the_query_language(ecs, three_zones):
    """A filter on a custom attribute sees PutAttributes at once."""
    name, arns = three_zones
    put(ecs, name, arns[1], "stack", "prod")
    found = ecs.list_container_instances(cluster=name, filter="attribute:stack == prod")
    assert found["containerInstanceArns"] == [arns[1]]


def test_list_attributes_includes_built_in_ones_by_value(ecs, three_zones):
    """Built-in attributes are listed and can be selected by name and value."""
    name, arns = three_zones
    listed = ecs.list_attributes(
        cluster=name,
        targetType="container-instance",
        attributeName="ecs.availability-zone",
        attributeValue="us-east-1c",
    )
    assert [a["targetId"] for a in listed["attributes"]] == [arns[2]]


def test_an_unknown_target_is_target_not_found(ecs, three_zones):
    """PutAttributes on an instance the cluster does not have raises TargetNotFoundException."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.TargetNotFoundException):
        put(ecs, name, "0123456789abcdef", "stack", "prod")


def test_an_eleventh_custom_attribute_exceeds_the_limit(ecs, three_zones):
    """Ten custom attributes per instance; the eleventh raises AttributeLimitExceededException."""
    name, arns = three_zones
    for index in range(10):
        put(ecs, name, arns[0], f"custom{index}", "x")
    with pytest.raises(ecs.exceptions.AttributeLimitExceededException):
        put(ecs, name, arns[0], "custom10", "x")


def test_ecs_attribute_names_are_reserved(ecs, three_zones):
    """Clients cannot overwrite ecs.* attributes."""
    name, arns = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        put(ecs, name, arns[0], "ecs.instance-type", "x9.huge")


def test_an_invalid_attribute_value_is_refused(ecs, three_zones):
    """Values follow the model's character rules."""
    name, arns = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        put(ecs, name, arns[0], "stack", " leading space")


def test_attribute_value_without_a_name_is_refused(ecs, three_zones):
    """ListAttributes filters by value only together with a name."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.list_attributes(cluster=name, targetType="container-instance", attributeValue="x")


def test_list_attributes_pages(ecs, three_zones):
    """ListAttributes pages with nextToken."""
    name, _ = three_zones
    first = ecs.list_attributes(cluster=name, targetType="container-instance", maxResults=5)
    assert len(first["attributes"]) == 5
    second = ecs.list_attributes(
        cluster=name, targetType="container-instance", maxResults=5, nextToken=first["nextToken"]
    )
    assert first["attributes"] != second["attributes"]
