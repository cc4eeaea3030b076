"""Same state, needs, request and seed give the same placements, from one release to the next.

A fixed workload (the benchmark's cluster, shapes and mixes, scaled down, run until instances
fill and requests fail) is placed and recorded; the digest of everything a result says (instance,
host ports, candidates, ties, scores, counts per reason, failures) must not move. Work on the
engine's speed must leave these digests alone; a deliberate change of behaviour updates them.
"""

from __future__ import annotations

import hashlib

import pytest

from placement import (
    ClusterState,
    Instance,
    PlacementConstraint,
    PlacementRequest,
    PlacementStrategy,
    place,
    task_needs_from_definition,
)

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
TYPES = (("m5.large", 2, 8192), ("m5.xlarge", 4, 16384), ("c5.2xlarge", 8, 16384))
SHAPES = {
    "small": {"cpu": 256, "memory": 512, "portMappings": [{"containerPort": 8080, "hostPort": 0}]},
    "web": {"cpu": 512, "memory": 1024, "portMappings": [{"containerPort": 80, "hostPort": 80}]},
    "large": {"cpu": 1024, "memory": 2048},
}
ZONE_SPREAD = PlacementStrategy("spread", "attribute:ecs.availability-zone")
MIXES = {
    "binpack": {"strategies": (PlacementStrategy("binpack", "memory"),)},
    "spread+spread": {"strategies": (ZONE_SPREAD, PlacementStrategy("spread", "instanceId"))},
    "spread+binpack+memberOf": {
        "strategies": (ZONE_SPREAD, PlacementStrategy("binpack", "memory")),
        "constraints": (
            PlacementConstraint(
                "memberOf", "attribute:stack == prod and attribute:ecs.instance-type =~ '(m5|c5).*'"
            ),
        ),
    },
    "binpack+distinctInstance": {
        "strategies": (PlacementStrategy("binpack", "memory"),),
        "constraints": (PlacementConstraint("distinctInstance"),),
    },
    "random": {"strategies": (PlacementStrategy("random"),)},
}
DIGESTS = {
    "binpack": "5bb2034900280897176e56c3c31218fd1cb35f7d98733931e8644b3d712e2dcd",
    "spread+spread": "5edfdb0e419ece3aac663dc7ae258685385ea064642ee4bf2cdff92ee75ec3de",
    "spread+binpack+memberOf": "e2fe86804a57a06df6042b771d66b4a42db792ec8118c6672b05e90ee629a2f6",
    "binpack+distinctInstance": "783d1c9d195b7e60ba1c8695df4efb2be1f79e854d2802c0edbf99b9e34b29c4",
    "random": "ba80ea266dff749718b6ea370eb9e8acb8027d140df2f50a10896873f6ff141d",
}


def cluster(count: int) -> list[Instance]:
    """The benchmark's cluster: zones round-robin, three types, custom attributes."""
    return [
        Instance(
            id=f"ci-{k:05d}",
            availability_zone=ZONES[k % 3],
            registered_cpu=TYPES[(k // 3) % 3][1] * 1024,
            registered_memory=int(TYPES[(k // 3) % 3][2] * (1 - 0.0185)),
            attributes={
                "ecs.instance-type": TYPES[(k // 3) % 3][0],
                "stack": "canary" if k % 4 == 3 else "prod",
            },
        )
        for k in range(count)
    ]


def replay(mix: str) -> str:
    """The digest of every result of the workload, placed and applied in turn."""
    state = ClusterState(cluster(60))
    families = list(SHAPES)
    needs = {
        family: task_needs_from_definition(
            {
                "family": family,
                "networkMode": "bridge",
                "containerDefinitions": [{"name": "app", "image": "nginx", **SHAPES[family]}],
            }
        )
        for family in families
    }
    digest = hashlib.sha256()
    for k in range(60):
        request = PlacementRequest(count=10, seed=k, **MIXES[mix])
        result = place(state, needs[families[k % 3]], request)
        state.apply(result)
        for p in result.placements:
            rejected = sorted(p.rejected.items())
            fields = (p.instance_id, p.port_bindings, p.candidates, p.tied, p.scores, rejected)
            digest.update(repr(fields).encode())
        digest.update(repr((result.failures, sorted(result.rejected.items()))).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("mix", list(MIXES))
def test_the_workload_places_as_it_always_did(mix: str) -> None:
    assert replay(mix) == DIGESTS[mix]
