"""Personas shared by the whole suite (as healthchecks' Alice and Bob): named clusters in known states."""

from __future__ import annotations

import pytest

from tests.factories import make_cluster, make_instance


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
