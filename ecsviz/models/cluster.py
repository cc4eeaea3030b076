from __future__ import annotations

from django.db import connection, models, transaction
from django.db.models import F

from ecsviz import arns
from ecsviz.models import sql


class Cluster(models.Model):
    """An ECS cluster: a named pool of container instances, tasks and services."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        PROVISIONING = "PROVISIONING"
        DEPROVISIONING = "DEPROVISIONING"
        FAILED = "FAILED"
        INACTIVE = "INACTIVE"

    name = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last event sequence number handed out; browsers use it to notice a missed update.
    event_seq = models.PositiveBigIntegerField(default=0, editable=False)
    # A sandbox copy remembers where it came from.
    forked_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="forks"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return arns.cluster_arn(self.name)

    def record_event(self, kind: str, message: str, payload: dict | None = None) -> Event:
        """Append to the event log under the next sequence number; call inside the write's transaction.

        The increment is a single UPDATE, so concurrent writers serialise on the cluster row and
        never share a number.
        """
        event = Event(cluster=self, kind=kind, message=message, payload=payload or {})
        if connection.vendor == "postgresql":
            append_event(event)  # one round trip for the number and the row
        else:
            event.seq = next_event_seq(self.pk)
            if connection.vendor == "sqlite":
                sql.insert(
                    [event]
                )  # a plain INSERT ... RETURNING: the ORM's costs several times more
            else:
                event.save(force_insert=True)
        self.event_seq = event.seq
        # Browsers hear of the change only once it is committed, so a rolled-back write is never shown.
        from ecsviz.live.notify import announce

        transaction.on_commit(lambda: announce(self.pk, event.seq))
        return event


def next_event_seq(cluster_pk: int) -> int:
    """Increment a cluster's event_seq and read it back, in one statement where SQL allows."""
    if connection.vendor not in ("sqlite", "postgresql"):
        Cluster.objects.filter(pk=cluster_pk).update(event_seq=F("event_seq") + 1)
        return Cluster.objects.values_list("event_seq", flat=True).get(pk=cluster_pk)
    # UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL): one round trip instead of two per write.
    table = connection.ops.quote_name(Cluster._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET event_seq = event_seq + 1 WHERE id = %s RETURNING event_seq",
            [cluster_pk],
        )
        return cursor.fetchone()[0]


def append_event(event: Event) -> None:
    """PostgreSQL: take the cluster's next sequence number and insert the event, in one statement.

    Every write appends an event; on PostgreSQL each statement is a round trip to the server.
    """
    db = sql.current()
    fields = [f for f in Event._meta.concrete_fields if f.name not in ("id", "seq")]
    values = [sql.prepared(f, f.pre_save(event, True), db) for f in fields]
    quote = db.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with db.cursor() as cursor:
        cursor.execute(
            f"WITH next AS (UPDATE {quote(Cluster._meta.db_table)} SET event_seq = event_seq + 1 "
            "WHERE id = %s RETURNING event_seq) "
            f"INSERT INTO {quote(Event._meta.db_table)} ({columns}, seq) "
            f"SELECT {', '.join(['%s'] * len(fields))}, event_seq FROM next RETURNING id, seq",
            [event.cluster_id, *values],
        )
        event.pk, event.seq = cursor.fetchone()
    event._state.adding, event._state.db = False, db.alias


class Event(models.Model):
    """One state change in a cluster, in the order it happened (the classroom timeline)."""

    # Indexed by the (cluster, seq) constraint, which leads with it.
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    seq = models.PositiveBigIntegerField()
    time = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=64)
    message = models.TextField()
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["cluster", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "seq"], name="event_seq_unique_per_cluster")
        ]
        indexes = [models.Index(fields=["cluster", "kind", "-seq"], name="event_kind_idx")]

    def __str__(self) -> str:
        return f"{self.cluster_id}#{self.seq} {self.kind}"
