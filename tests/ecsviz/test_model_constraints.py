"""Database-level rules of the data model, on whichever database DATABASE_URL selects."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from ecsviz.models import ContainerInstance
from tests.factories import make_instance


@pytest.fixture
def instance(balanced_cluster):
    return balanced_cluster.container_instances.first()


@pytest.mark.parametrize("field", ["remaining_cpu", "remaining_memory"])
def test_remaining_resources_can_never_go_negative(instance, field):
    """An UPDATE that would overcommit an instance is refused by the database itself."""
    with pytest.raises(IntegrityError), transaction.atomic():
        ContainerInstance.objects.filter(pk=instance.pk).update(**{field: F(field) - 10**7})
    instance.refresh_from_db()
    assert getattr(instance, field) >= 0


@pytest.mark.parametrize("field", ["cpu", "memory"])
def test_remaining_resources_never_exceed_registered(instance, field):
    """Releasing more than was reserved is refused as well."""
    with pytest.raises(IntegrityError), transaction.atomic():
        ContainerInstance.objects.filter(pk=instance.pk).update(
            **{f"remaining_{field}": F(f"registered_{field}") + 1}
        )


def test_enis_in_use_cannot_exceed_the_type_limit(instance):
    """An instance cannot attach more ENIs than its type allows."""
    with pytest.raises(IntegrityError), transaction.atomic():
        ContainerInstance.objects.filter(pk=instance.pk).update(enis_in_use=F("max_enis") + 1)


def test_a_full_reservation_down_to_zero_is_allowed(instance):
    """Zero remaining is a full instance, not an error."""
    ContainerInstance.objects.filter(pk=instance.pk).update(remaining_cpu=0, remaining_memory=0)
    instance.refresh_from_db()
    assert (instance.remaining_cpu, instance.remaining_memory) == (0, 0)


def test_the_suite_runs_on_the_configured_database(settings):
    """DATABASE_URL decides the engine the constraints were just checked on."""
    import os

    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected


def test_event_sequence_numbers_increase_per_cluster(balanced_cluster, empty_cluster):
    """Each cluster numbers its own events 1, 2, 3… with no gaps."""
    make_instance(empty_cluster)
    balanced_seqs = list(balanced_cluster.events.order_by("seq").values_list("seq", flat=True))
    empty_seqs = list(empty_cluster.events.order_by("seq").values_list("seq", flat=True))
    assert balanced_seqs == list(range(1, len(balanced_seqs) + 1))
    assert empty_seqs == [1, 2]
    assert balanced_cluster.events.filter(kind="instance.registered").count() == 6
