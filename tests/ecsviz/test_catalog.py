"""The instance-type catalog and how registration uses it."""

from __future__ import annotations

import pytest

from ecsviz.errors import AttributeLimitExceededException, InvalidParameterException
from ecsviz.models import InstanceType
from tests.factories import make_instance

pytestmark = pytest.mark.django_db

FAMILIES = ["t2", "t3", "t3a", "m5", "c5", "r5", "m6g", "c6g"]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_runs_up_to_4xlarge_or_its_largest(family):
    """Each required family is there from its small sizes up to 2xlarge/4xlarge."""
    names = set(InstanceType.objects.filter(family=family).values_list("name", flat=True))
    assert {f"{family}.large", f"{family}.xlarge", f"{family}.2xlarge"} <= names
    if not family.startswith("t"):
        assert f"{family}.4xlarge" in names
    else:
        assert f"{family}.micro" in names


def test_graviton_families_are_arm64():
    """m6g and c6g are arm64; everything else here is x86_64."""
    arm = set(InstanceType.objects.filter(architecture="arm64").values_list("family", flat=True))
    assert arm == {"m6g", "c6g"}


def test_registration_sizes_from_the_catalog(empty_cluster):
    """CPU = vCPUs x 1024; memory a little under the type's size; the agent's ports reserved."""
    instance = make_instance(empty_cluster, instance_type="c5.xlarge")
    assert instance.registered_cpu == 4096
    assert 8192 * 0.97 < instance.registered_memory < 8192
    assert instance.registered_ports == [22, 2375, 2376, 51678, 51679]
    assert instance.max_enis == 4
    assert instance.enis_in_use == 1
    assert instance.attributes["ecs.instance-type"] == "c5.xlarge"
    assert instance.attributes["ecs.availability-zone"] == "us-east-1a"
    assert instance.attributes["ecs.cpu-architecture"] == "x86_64"
    assert "ecs.capability.task-eni" in instance.attributes


def test_reserved_memory_is_withheld(empty_cluster):
    """ECS_RESERVED_MEMORY lowers registered memory by exactly that much."""
    plain = make_instance(empty_cluster, instance_type="m5.large")
    reserved = make_instance(empty_cluster, instance_type="m5.large", reserved_memory=256)
    assert plain.registered_memory - reserved.registered_memory == 256


def test_unknown_instance_type_is_refused(empty_cluster):
    """A type outside the catalog gets ECS's InvalidParameterException and nothing is saved."""
    with pytest.raises(InvalidParameterException):
        make_instance(empty_cluster, instance_type="x9.mega")
    assert not empty_cluster.container_instances.exists()


def test_more_than_ten_custom_attributes_are_refused(empty_cluster):
    """AttributeLimitExceededException past ten custom attributes."""
    attributes = {f"team{i}": "x" for i in range(11)}
    with pytest.raises(AttributeLimitExceededException):
        make_instance(empty_cluster, custom_attributes=attributes)
    assert not empty_cluster.container_instances.exists()
