"""Personas shared by the whole suite (as healthchecks' Alice and Bob): named clusters in known states."""

from __future__ import annotations

import pytest

from tests.factories import make_cluster, make_instance


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with every other session on it ended before it is dropped.

    On PostgreSQL a backend can outlive its client by a moment (a daphne process just stopped, a
    pool thread's kept connection), and DROP DATABASE then fails the whole run at teardown.
    """
    yield
    with django_db_blocker.unblock():
        end_other_sessions()


def end_other_sessions() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()


@pytest.fixture
def empty_cluster(db):
    """A cluster with no container instances."""
    return make_cluster("empty")


@pytest.fixture
def balanced_cluster(db):
    """Three AZs with two m5.large instances each."""
    cluster = make_cluster("balanced")
    for zone in ("us-east-1a", "us-east-1b", "us-east-1c"):
        for _ in range(2):
            make_instance(cluster, zone=zone)
    return cluster
