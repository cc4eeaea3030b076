"""A live ecsviz served by daphne over real HTTP, and real AWS clients pointed at it.

The server runs in its own process with its own database (a fresh SQLite file, or a fresh
PostgreSQL database when DATABASE_URL selects PostgreSQL), so API calls go through the same
ASGI stack, threads and transactions as `make run`. Every test works in clusters and families
with unique names, so tests share one server without seeing each other.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import boto3
import pytest
from botocore.config import Config

BASE_DIR = Path(__file__).resolve().parents[2]
CREDENTIALS = {"aws_access_key_id": "AKIDECSVIZTEST", "aws_secret_access_key": "secret"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_admin(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


@pytest.fixture(scope="session")
def server_database(tmp_path_factory):
    """A database URL for the server process: a new SQLite file or a new PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.sqlite3'}"
        return
    name = f"ecsviz_api_{uuid.uuid4().hex[:12]}"
    with postgres_admin(url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with postgres_admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"daphne did not start:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server_env(server_database):
    """The environment of the server process (and of the CLI, minus the database)."""
    return {
        **os.environ,
        "DATABASE_URL": server_database,
        "ECSVIZ_TASK_START_DELAY": "0",
        "DJANGO_SETTINGS_MODULE": "ecsviz.settings",
        "PYTHONWARNINGS": "ignore",
    }


@pytest.fixture(scope="session")
def endpoint(server_env, tmp_path_factory):
    """The URL of a live ecsviz (daphne, ASGI) on a free port, migrated and ready."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=server_env,
        check=True,
    )
    port = free_port()
    log = tmp_path_factory.mktemp("daphne") / "daphne.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "ecsviz.asgi:application",
            ],
            cwd=BASE_DIR,
            env=server_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url + "/", process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_client(endpoint: str, region: str = "us-east-1"):
    return boto3.session.Session().client(
        "ecs",
        endpoint_url=endpoint,
        region_name=region,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        **CREDENTIALS,
    )


@pytest.fixture
def ecs(endpoint):
    """A boto3 ECS client talking to the live server."""
    client = make_client(endpoint)
    yield client
    client.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def cluster(ecs):
    """The name of a new, empty cluster."""
    name = unique("c")
    ecs.create_cluster(clusterName=name)
    return name


def identity_document(zone: str, instance_type: str = "t3.large", **extra: str) -> str:
    return json.dumps(
        {
            "instanceId": "i-" + uuid.uuid4().hex[:17],
            "instanceType": instance_type,
            "availabilityZone": zone,
            "imageId": "ami-0abcdef1234567890",
            "region": "us-east-1",
            **extra,
        }
    )


def register_instance(ecs, cluster: str, zone: str = "us-east-1a", **kwargs) -> str:
    """Register an instance as its agent would; returns its ARN."""
    instance_type = kwargs.pop("instance_type", "t3.large")
    answer = ecs.register_container_instance(
        cluster=cluster, instanceIdentityDocument=identity_document(zone, instance_type), **kwargs
    )
    return answer["containerInstance"]["containerInstanceArn"]


def register_family(ecs, *, cpu: int = 256, memory: int = 512, ports=None, **extra) -> str:
    """A one-container bridge task definition in a new family; returns `family:revision`."""
    container = {"name": "app", "image": "nginx:1.27", "cpu": cpu, "memory": memory}
    if ports is not None:
        container["portMappings"] = ports
    answer = ecs.register_task_definition(
        family=unique("f"), containerDefinitions=[container], **extra
    )
    definition = answer["taskDefinition"]
    return f"{definition['family']}:{definition['revision']}"


@pytest.fixture
def three_zones(ecs, cluster):
    """A cluster with one t3.large in each of three zones: (name, [instance ARNs])."""
    arns = [register_instance(ecs, cluster, f"us-east-1{z}") for z in "abc"]
    return cluster, arns


def raw_post(endpoint: str, body: bytes, target: str | None, headers: dict | None = None):
    """POST / without botocore: (status, headers, JSON body)."""
    request = urllib.request.Request(endpoint + "/", data=body, method="POST")
    request.add_header("Content-Type", "application/x-amz-json-1.1")
    if target is not None:
        request.add_header("X-Amz-Target", target)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, json.loads(error.read())
