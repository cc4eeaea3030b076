from __future__ import annotations

from django.db import transaction

from ecsviz import arns
from ecsviz.errors import (
    ClusterContainsContainerInstancesException,
    ClusterContainsServicesException,
    ClusterContainsTasksException,
    ClusterNotFoundException,
    InvalidParameterException,
)
from ecsviz.models import Cluster, sql
from ecsviz.validation import check_name

LIVE_INSTANCE_STATES = ("REGISTERING", "ACTIVE", "DRAINING")


def cluster_get(*, identifier: str | Cluster | None, for_update: bool = False) -> Cluster:
    """The ACTIVE cluster named by name, ARN or row (ECS's `default` when none is given)."""
    if isinstance(identifier, Cluster):
        identifier = identifier.name
    name = arns.resource_id(identifier or "default")
    # Every call looks its cluster up: a plain statement, not the ORM's (see ecsviz.models.sql).
    row = sql.first(
        Cluster,
        "name = %s AND status = %s",
        [name, Cluster.Status.ACTIVE.value],
        for_update=for_update,
    )
    if row is None:
        raise ClusterNotFoundException()
    return row


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


@transaction.atomic
def cluster_delete(*, cluster: str | Cluster) -> Cluster:
    """Mark an empty cluster INACTIVE; ECS refuses while instances, services or tasks remain."""
    target = cluster_get(identifier=cluster, for_update=True)
    if target.container_instances.filter(status__in=LIVE_INSTANCE_STATES).exists():
        raise ClusterContainsContainerInstancesException(
            "The Cluster cannot be deleted while Container Instances are active or draining."
        )
    if target.services.filter(status__in=["ACTIVE", "DRAINING"]).exists():
        raise ClusterContainsServicesException(
            "The Cluster cannot be deleted while Services are active."
        )
    if target.tasks.exclude(last_status="STOPPED").exists():
        raise ClusterContainsTasksException("The Cluster cannot be deleted while Tasks are active.")
    target.status = Cluster.Status.INACTIVE
    target.save(update_fields=["status"])
    target.record_event("cluster.deleted", f"Cluster {target.name} deleted.")
    return target
