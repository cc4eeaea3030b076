"""CreateCluster, DescribeClusters, ListClusters and DeleteCluster through boto3."""

from __future__ import annotations

import pytest

from tests.api.conftest import register_instance, unique


def test_create_cluster_is_idempotent(ecs):
    """Creating a cluster twice returns the same ACTIVE cluster."""
    name = unique("c")
    first = ecs.create_cluster(clusterName=name)["cluster"]
    second = ecs.create_cluster(clusterName=name)["cluster"]
    assert first["clusterArn"] == second["clusterArn"]
    assert first["clusterArn"].endswith(f":cluster/{name}")
    assert second["status"] == "ACTIVE"


def test_a_bad_cluster_name_is_an_invalid_parameter(ecs):
    """Names are letters, digits, hyphens and underscores."""
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.create_cluster(clusterName="no spaces allowed")


def test_describe_clusters_counts_instances_and_reports_missing_ones(ecs, three_zones):
    """Known clusters come with their counts; unknown ones are MISSING failures."""
    name, _ = three_zones
    answer = ecs.describe_clusters(clusters=[name, "never-made"])
    (found,) = answer["clusters"]
    assert found["registeredContainerInstancesCount"] == 3
    assert found["runningTasksCount"] == 0
    assert answer["failures"][0]["reason"] == "MISSING"
    assert answer["failures"][0]["arn"].endswith(":cluster/never-made")


def test_list_clusters_pages_with_next_token(ecs):
    """maxResults splits the list; nextToken picks up where the last page ended."""
    for _ in range(3):
        ecs.create_cluster(clusterName=unique("page"))
    first = ecs.list_clusters(maxResults=2)
    assert len(first["clusterArns"]) == 2
    second = ecs.list_clusters(maxResults=2, nextToken=first["nextToken"])
    assert not set(first["clusterArns"]) & set(second["clusterArns"])
    everything = [
        arn for page in ecs.get_paginator("list_clusters").paginate() for arn in page["clusterArns"]
    ]
    assert set(first["clusterArns"]) <= set(everything)


def test_a_made_up_next_token_is_refused(ecs):
    """Tokens are opaque; one ecsviz did not hand out is an invalid parameter."""
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.list_clusters(nextToken="garbage")


def test_max_results_above_100_is_refused(ecs):
    """ECS pages hold at most 100 items."""
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.list_clusters(maxResults=101)


def test_delete_cluster_refuses_while_instances_remain(ecs, three_zones):
    """A cluster with ACTIVE instances cannot be deleted."""
    name, _ = three_zones
    with pytest.raises(ecs.exceptions.ClusterContainsContainerInstancesException):
        ecs.delete_cluster(cluster=name)


def test_delete_cluster_makes_it_inactive(ecs, cluster):
    """An empty cluster is deleted: INACTIVE, no longer listed, and then not found."""
    answer = ecs.delete_cluster(cluster=cluster)
    assert answer["cluster"]["status"] == "INACTIVE"
    assert not any(arn.endswith(f"/{cluster}") for arn in ecs.list_clusters()["clusterArns"])
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.delete_cluster(cluster=cluster)


def test_an_unknown_cluster_is_cluster_not_found(ecs):
    """Operations on a cluster that does not exist raise ClusterNotFoundException."""
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        register_instance(ecs, "does-not-exist")
