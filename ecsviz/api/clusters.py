"""CreateCluster, DescribeClusters, ListClusters, DeleteCluster."""

from __future__ import annotations

from ecsviz import arns
from ecsviz.api import serializers
from ecsviz.api.pagination import paginate
from ecsviz.api.registry import Context, operation
from ecsviz.errors import InvalidParameterException
from ecsviz.models import Cluster
from ecsviz.services import cluster_create, cluster_delete


@operation("CreateCluster")
def create_cluster(params: dict, context: Context) -> dict:
    row = cluster_create(name=params.get("clusterName") or "default")
    return {"cluster": serializers.cluster(row, context.region)}


@operation("DescribeClusters")
def describe_clusters(params: dict, context: Context) -> dict:
    """Clusters by name or ARN; unknown ones are `MISSING` failures, not errors."""
    wanted = params.get("clusters") or ["default"]
    if len(wanted) > 100:
        raise InvalidParameterException("clusters can have at most 100 items.")
    names = [arns.resource_id(item) for item in wanted]
    rows = {row.name: row for row in Cluster.objects.filter(name__in=names)}
    clusters, failures = [], []
    for name in names:
        if name in rows:
            clusters.append(serializers.cluster(rows[name], context.region))
        else:
            failures.append({"arn": arns.cluster_arn(name, context.region), "reason": "MISSING"})
    return {"clusters": clusters, "failures": failures}


@operation("ListClusters")
def list_clusters(params: dict, context: Context) -> dict:
    names = Cluster.objects.filter(status=Cluster.Status.ACTIVE).order_by("name")
    page, token = paginate(names.values_list("name", flat=True), params)
    return {"clusterArns": [arns.cluster_arn(name, context.region) for name in page], **token}


@operation("DeleteCluster")
def delete_cluster(params: dict, context: Context) -> dict:
    row = cluster_delete(cluster=params["cluster"])
    return {"cluster": serializers.cluster(row, context.region)}
