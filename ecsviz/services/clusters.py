from __future__ import annotations

from django.db import transaction

from ecsviz import arns
from ecsviz.errors import ClusterNotFoundException, InvalidParameterException
from ecsviz.models import Cluster
from ecsviz.validation import check_name


def cluster_get(*, identifier: str | None, for_update: bool = False) -> Cluster:
    """The ACTIVE cluster named by name or ARN (ECS's `default` when none is given)."""
    name = arns.resource_id(identifier or "default")
    queryset = Cluster.objects.select_for_update() if for_update else Cluster.objects
    try:
        return queryset.get(name=name, status=Cluster.Status.ACTIVE)
    except Cluster.DoesNotExist:
        raise ClusterNotFoundException() from None


@transaction.atomic
def cluster_create(*, name: str = "default") -> Cluster:
    """Create a cluster, or return the existing one: CreateCluster is idempotent in ECS."""
    check_name(name, what="Cluster name", exception=InvalidParameterException)
    cluster, created = Cluster.objects.get_or_create(name=name)
    if created:
        cluster.record_event("cluster.created", f"Cluster {name} created.")
    elif cluster.status == Cluster.Status.INACTIVE:
        cluster.status = Cluster.Status.ACTIVE
        cluster.save(update_fields=["status"])
        cluster.record_event("cluster.created", f"Cluster {name} re-created.")
    return cluster
