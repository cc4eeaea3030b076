"""The classroom walk-through in docs/api.md, driven through the real AWS CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.api.conftest import identity_document, unique

AWS = str(Path(sys.executable).with_name("aws"))


@pytest.fixture
def aws(endpoint, tmp_path):
    """Run `aws ecs ...` against the live server with dummy credentials; returns parsed JSON."""
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "AKIDECSVIZTEST",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "HOME": str(tmp_path),
    }

    def run(*args: str, expect_error: bool = False):
        command = [AWS, "ecs", *args, "--endpoint-url", endpoint, "--output", "json"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        if expect_error:
            assert done.returncode != 0
            return done.stderr
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    return run


def test_the_cli_walk_through(aws, tmp_path):
    """Cluster, three instances, a task definition, spread, describe, filter, drain, stop."""
    cluster = unique("cli")
    assert aws("create-cluster", "--cluster-name", cluster)["cluster"]["status"] == "ACTIVE"
    instances = [
        aws(
            "register-container-instance",
            "--cluster",
            cluster,
            "--instance-identity-document",
            identity_document(f"us-east-1{zone}", "t3.large"),
        )["containerInstance"]["containerInstanceArn"]
        for zone in "abc"
    ]
    family = unique("web")
    taskdef = tmp_path / "taskdef.json"
    taskdef.write_text(
        json.dumps(
            {
                "family": family,
                "containerDefinitions": [
                    {
                        "name": "web",
                        "image": "nginx:1.27",
                        "cpu": 256,
                        "memory": 512,
                        "portMappings": [{"containerPort": 80, "hostPort": 0}],
                    }
                ],
            }
        )
    )
    registered = aws("register-task-definition", "--cli-input-json", f"file://{taskdef}")
    assert registered["taskDefinition"]["revision"] == 1
    ran = aws(
        "run-task",
        "--cluster",
        cluster,
        "--task-definition",
        family,
        "--count",
        "6",
        "--placement-strategy",
        "type=spread,field=attribute:ecs.availability-zone",
    )
    assert ran["failures"] == []
    assert set(Counter(t["availabilityZone"] for t in ran["tasks"]).values()) == {2}
    arns = [task["taskArn"] for task in ran["tasks"]]
    described = aws("describe-tasks", "--cluster", cluster, "--tasks", *arns)
    assert {t["lastStatus"] for t in described["tasks"]} == {"RUNNING"}
    listed = aws(
        "list-container-instances",
        "--cluster",
        cluster,
        "--filter",
        "attribute:ecs.instance-type =~ t3.*",
    )
    assert listed["containerInstanceArns"] == instances
    drained = aws(
        "update-container-instances-state",
        "--cluster",
        cluster,
        "--container-instances",
        instances[0],
        "--status",
        "DRAINING",
    )
    assert drained["containerInstances"][0]["status"] == "DRAINING"
    stopped = aws("stop-task", "--cluster", cluster, "--task", arns[0])
    assert stopped["task"]["desiredStatus"] == "STOPPED"
    aws("wait", "tasks-stopped", "--cluster", cluster, "--tasks", arns[0])


def test_the_cli_shows_ecs_errors(aws):
    """CLI errors carry ECS's exception name and message."""
    stderr = aws(
        "describe-container-instances",
        "--cluster",
        "nope",
        "--container-instances",
        "x",
        expect_error=True,
    )
    assert "ClusterNotFoundException" in stderr
    assert "Cluster not found." in stderr
