"""The plain statements of ecsviz.models.sql give and take exactly what the ORM does."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.forms.models import model_to_dict

from ecsviz.models import Cluster, Event, Task, TaskDefinition, sql
from ecsviz.services import task_run
from tests.factories import make_task_definition

pytestmark = pytest.mark.django_db


def same_row(row, orm_row) -> None:
    assert type(row) is type(orm_row)
    fields = [f.attname for f in type(row)._meta.concrete_fields]
    assert {f: getattr(row, f) for f in fields} == {f: getattr(orm_row, f) for f in fields}
    assert not row._state.adding


def test_first_reads_rows_as_the_orm_does(balanced_cluster):
    """Datetimes, JSON and foreign keys come back converted, for every column."""
    definition = make_task_definition(portMappings=[{"containerPort": 80, "hostPort": 0}])
    found = sql.first(TaskDefinition, "family = %s", [definition.family])
    same_row(found, TaskDefinition.objects.get(pk=definition.pk))
    assert found.definition["containerDefinitions"][0]["portMappings"][0]["containerPort"] == 80
    same_row(sql.first(Cluster, "name = %s", ["balanced"]), Cluster.objects.get(name="balanced"))
    assert sql.first(Cluster, "name = %s", ["nobody"]) is None


def test_first_orders_by_what_it_is_given(balanced_cluster):
    make_task_definition(family="web")
    latest = make_task_definition(family="web")
    found = sql.first(TaskDefinition, "family = %s", ["web"], order_by="revision DESC")
    assert found.revision == latest.revision == 2


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_needs_a_transaction(balanced_cluster):
    """As the ORM's select_for_update: outside a transaction the lock would end at once."""
    with transaction.atomic():
        assert sql.first(Cluster, "id = %s", [balanced_cluster.pk], for_update=True) is not None
    if transaction.get_connection().features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            sql.first(Cluster, "id = %s", [balanced_cluster.pk], for_update=True)


def test_inserted_tasks_read_back_as_written(balanced_cluster):
    """One RunTask's tasks share their converted fields, creation time included, and read back
    through the ORM exactly as built."""
    result = task_run(cluster=balanced_cluster, task_definition=make_task_definition(), count=4)
    assert len({task.created_at for task in result.tasks}) == 1
    for task in result.tasks:
        stored = Task.objects.get(pk=task.pk)
        assert model_to_dict(stored) == model_to_dict(task)
        assert stored.created_at == task.created_at
    assert len({task.task_id for task in result.tasks}) == 4


def test_events_take_consecutive_numbers(balanced_cluster):
    first = balanced_cluster.record_event("test.one", "one", {"a": [1]})
    second = balanced_cluster.record_event("test.two", "two")
    assert (second.seq, balanced_cluster.event_seq) == (first.seq + 1, first.seq + 1)
    stored = Event.objects.get(pk=first.pk)
    assert (stored.kind, stored.message, stored.payload, stored.seq) == (
        "test.one",
        "one",
        {"a": [1]},
        first.seq,
    )
    assert Cluster.objects.get(pk=balanced_cluster.pk).event_seq == second.seq


def test_new_objects_are_what_the_keyword_constructor_makes(balanced_cluster):
    definition = make_task_definition()
    shared = {"cluster_id": balanced_cluster.pk, "task_definition_id": definition.pk, "cpu": 256}
    rows = [{"task_id": "a" * 32, "group": "web"}, {"task_id": "b" * 32, "group": "db"}]
    made = sql.new_objects(Task, shared, rows)
    fields = [f.attname for f in Task._meta.concrete_fields]
    for task, row in zip(made, rows, strict=True):
        expected = Task(**shared, **row)
        assert {f: getattr(task, f) for f in fields} == {f: getattr(expected, f) for f in fields}
        assert task._state.adding
        assert task.pk is None
    # Mutable defaults are each object's own, as with the keyword constructor.
    assert made[0].tags == []
    assert made[0].tags is not made[1].tags


def test_new_objects_refuse_unknown_fields():
    with pytest.raises(TypeError, match="colour"):
        sql.new_objects(Task, {"colour": "red"}, [{}])
