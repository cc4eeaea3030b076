"""RunTask through boto3: ecsviz against moto's server, on the same 1,000-instance cluster.

Both servers run as local processes. Each gets a cluster of 1,000 instances in three zones and
one task definition, then the same RunTask calls (count 10, spread over zones then binpack on
memory: moto ignores strategies, ecsviz applies them). Prints tasks placed per second for both,
the ratio, and what registering the 1,000 instances cost on ecsviz. Runtime is bounded: a fixed
number of calls, each phase capped in seconds.

    .venv/bin/python bench/api_bench.py [--instances 1000] [--calls 60]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import boto3
from botocore.config import Config

BASE_DIR = Path(__file__).resolve().parent.parent
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
STRATEGY = [
    {"type": "spread", "field": "attribute:ecs.availability-zone"},
    {"type": "binpack", "field": "memory"},
]
TASK_DEFINITION = {
    "family": "bench",
    "containerDefinitions": [{"name": "app", "image": "nginx:1.27", "cpu": 128, "memory": 256}],
}
PHASE_LIMIT = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}: {url}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # answering, even if not with 200
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start: {url}")


@contextmanager
def serving(command: list[str], env: dict, probe: str):
    """Run a server for the duration; on failure, show the end of its log."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=log)
        try:
            wait_for(probe, process)
            yield
        except BaseException:
            log.seek(0)
            print("".join(log.readlines()[-40:]), file=sys.stderr)
            raise
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextmanager
def ecsviz_server(workdir: str):
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "ecsviz.settings",
        "ECSVIZ_LOG_LEVEL": "ERROR",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "ecsviz.asgi:application",
    ]
    with serving(command, env, f"http://127.0.0.1:{port}/"):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def moto_server():
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-p", str(port)]
    with serving(command, dict(os.environ), f"http://127.0.0.1:{port}/moto-api/"):
        yield f"http://127.0.0.1:{port}"


def client(service: str, endpoint: str):
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}),
    )


def document(instance_id: str, zone: str) -> str:
    return json.dumps(
        {
            "instanceId": instance_id,
            "instanceType": "m5.xlarge",
            "availabilityZone": zone,
            "imageId": "ami-0abcdef1234567890",
            "region": "us-east-1",
        }
    )


def register_ecsviz(ecs, count: int) -> float:
    """Register `count` instances as agents would; returns the seconds it took."""
    start = time.perf_counter()
    for index in range(count):
        zone = ZONES[index % len(ZONES)]
        ecs.register_container_instance(
            cluster="bench", instanceIdentityDocument=document(f"i-{index:017x}", zone)
        )
    return time.perf_counter() - start


def register_moto(endpoint: str, ecs, count: int) -> None:
    """moto needs its own EC2 instances behind the container instances."""
    ec2 = client("ec2", endpoint)
    try:
        image = ec2.describe_images()["Images"][0]["ImageId"]
        for index, zone in enumerate(ZONES):
            n = count // len(ZONES) + (1 if index < count % len(ZONES) else 0)
            reservation = ec2.run_instances(
                ImageId=image,
                MinCount=n,
                MaxCount=n,
                InstanceType="m5.xlarge",
                Placement={"AvailabilityZone": zone},
            )
            for instance in reservation["Instances"]:
                ecs.register_container_instance(
                    cluster="bench",
                    instanceIdentityDocument=json.dumps({"instanceId": instance["InstanceId"]}),
                )
    finally:
        ec2.close()


def run_tasks(ecs, calls: int) -> tuple[int, float]:
    """(tasks placed, seconds) for `calls` RunTask calls of count 10, after two warm-ups."""
    for _ in range(2):
        ecs.run_task(cluster="bench", taskDefinition="bench", count=10, placementStrategy=STRATEGY)
    placed, start = 0, time.perf_counter()
    for _ in range(calls):
        answer = ecs.run_task(
            cluster="bench", taskDefinition="bench", count=10, placementStrategy=STRATEGY
        )
        placed += len(answer["tasks"])
        if time.perf_counter() - start > PHASE_LIMIT:
            break
    return placed, time.perf_counter() - start


def bench_ecsviz(instances: int, calls: int) -> tuple[float, int, float]:
    with tempfile.TemporaryDirectory() as workdir, ecsviz_server(workdir) as endpoint:
        ecs = client("ecs", endpoint)
        try:
            ecs.create_cluster(clusterName="bench")
            registration = register_ecsviz(ecs, instances)
            ecs.register_task_definition(**TASK_DEFINITION)
            placed, seconds = run_tasks(ecs, calls)
        finally:
            ecs.close()
    return registration, placed, seconds


def bench_moto(instances: int, calls: int) -> tuple[int, float]:
    with moto_server() as endpoint:
        ecs = client("ecs", endpoint)
        try:
            ecs.create_cluster(clusterName="bench")
            register_moto(endpoint, ecs, instances)
            ecs.register_task_definition(**TASK_DEFINITION)
            return run_tasks(ecs, calls)
        finally:
            ecs.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=60)
    args = parser.parse_args()
    registration, placed, seconds = bench_ecsviz(args.instances, args.calls)
    moto_placed, moto_seconds = bench_moto(args.instances, args.calls)
    ours, theirs = placed / seconds, moto_placed / moto_seconds
    print(
        f"cluster: {args.instances} instances in {len(ZONES)} zones; RunTask count 10 x {args.calls}"
    )
    print(
        f"register {args.instances} instances (ecsviz): {registration:.2f} s, "
        f"{registration / args.instances * 1000:.1f} ms each"
    )
    print(
        f"ecsviz RunTask: {ours:8.1f} tasks/s ({placed} tasks in {seconds:.2f} s, spread+binpack)"
    )
    print(
        f"moto   RunTask: {theirs:8.1f} tasks/s ({moto_placed} tasks in {moto_seconds:.2f} s, no strategies)"
    )
    print(f"ratio ecsviz / moto: {ours / theirs:.2f}x (target >= 2x)")


if __name__ == "__main__":
    main()
