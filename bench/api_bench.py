"""RunTask through boto3: ecsviz against moto's server, on the same 1,000-instance cluster.

Both servers run as local processes, side by side. Each gets a cluster of 1,000 instances in
three zones and one task definition, then the same RunTask calls (count 10, spread over zones
then binpack on memory: moto ignores strategies, ecsviz applies them), the two taking turns of
ten calls. Prints tasks placed per second for both, the ratio, and what registering the 1,000
instances cost on ecsviz. Runtime is bounded: a fixed number of calls, capped in seconds.

    .venv/bin/python bench/api_bench.py [--instances 1000] [--calls 120] [--batch 10] [--floor]

`--floor` adds a third server taking the same turns: ecsviz answering RunTask from a stored
answer (bench/stored_answer.py), so boto3, daphne, the ASGI front, validation and the answer's
size cost what they cost for ecsviz, but placing and writing cost nothing. It prints what is left,
per call, for RunTask's own work if ecsviz is to reach twice moto's rate.
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
from contextlib import ExitStack, contextmanager
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
COUNT = 10  # tasks per RunTask call: every call places them all


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


STORED_ANSWER_APP = "stored_answer:application"


@contextmanager
def ecsviz_server(workdir: str, app: str = "ecsviz.asgi:application"):
    os.makedirs(workdir, exist_ok=True)
    env = {
        **os.environ,
        # bench/ too, for `stored_answer`.
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(BASE_DIR / "bench"), os.environ.get("PYTHONPATH")])
        ),
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
        app,
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


def run_task(ecs) -> int:
    answer = ecs.run_task(
        cluster="bench", taskDefinition="bench", count=COUNT, placementStrategy=STRATEGY
    )
    return len(answer["tasks"])


def run_alternating(sides: dict, calls: int, batch: int) -> dict[str, tuple[int, float]]:
    """(tasks placed, seconds) per side for `calls` RunTask calls of count 10 each.

    The sides take turns in batches of `batch` calls, the first side of each turn alternating,
    so a slow spell of this shared machine falls on both rather than on whichever ran then.
    Two warm-up calls each first.
    """
    for ecs in sides.values():
        for _ in range(2):
            run_task(ecs)
    totals = {name: [0, 0.0] for name in sides}
    order, done, started = list(sides), 0, time.perf_counter()
    while done < calls and time.perf_counter() - started < PHASE_LIMIT:
        size = min(batch, calls - done)
        for name in order:
            ecs, start = sides[name], time.perf_counter()
            placed = sum(run_task(ecs) for _ in range(size))
            totals[name][0] += placed
            totals[name][1] += time.perf_counter() - start
        order.reverse()
        done += size
    return {name: (placed, seconds) for name, (placed, seconds) in totals.items()}


def setup_ecsviz(ecs, instances: int) -> float:
    """The cluster and task definition; returns the seconds registering the instances took."""
    ecs.create_cluster(clusterName="bench")
    registration = register_ecsviz(ecs, instances)
    ecs.register_task_definition(**TASK_DEFINITION)
    return registration


def setup_moto(endpoint: str, ecs, instances: int) -> None:
    ecs.create_cluster(clusterName="bench")
    register_moto(endpoint, ecs, instances)
    ecs.register_task_definition(**TASK_DEFINITION)


FLOOR_INSTANCES = 30  # the stored answer's first, real, RunTask needs a few


def bench(instances: int, calls: int, batch: int, floor: bool) -> tuple[float, dict]:
    """Both servers (three with `floor`) up side by side, set up, then RunTask on each in turn."""
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory())
        ecsviz_endpoint = stack.enter_context(ecsviz_server(f"{workdir}/ecsviz"))
        moto_endpoint = stack.enter_context(moto_server())
        sides = {"ecsviz": client("ecs", ecsviz_endpoint), "moto": client("ecs", moto_endpoint)}
        if floor:
            floor_dir = f"{workdir}/floor"
            floor_endpoint = stack.enter_context(ecsviz_server(floor_dir, STORED_ANSWER_APP))
            sides["floor"] = client("ecs", floor_endpoint)
        for ecs in sides.values():
            stack.callback(ecs.close)
        registration = setup_ecsviz(sides["ecsviz"], instances)
        setup_moto(moto_endpoint, sides["moto"], instances)
        if floor:
            setup_ecsviz(sides["floor"], FLOOR_INSTANCES)
        return registration, run_alternating(sides, calls, batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=120, help="RunTask calls per server")
    parser.add_argument("--batch", type=int, default=10, help="calls per turn")
    parser.add_argument(
        "--floor", action="store_true", help="also time RunTask answered from a stored answer"
    )
    args = parser.parse_args()
    registration, results = bench(args.instances, args.calls, args.batch, args.floor)
    (placed, seconds), (moto_placed, moto_seconds) = results["ecsviz"], results["moto"]
    ours, theirs = placed / seconds, moto_placed / moto_seconds
    print(
        f"cluster: {args.instances} instances in {len(ZONES)} zones; RunTask count 10 x "
        f"{args.calls} per server, in turns of {args.batch}"
    )
    print(
        f"register {args.instances} instances (ecsviz): {registration:.2f} s, "
        f"{registration / args.instances * 1000:.1f} ms each"
    )
    print(
        f"ecsviz RunTask: {ours:8.1f} tasks/s ({placed} tasks in {seconds:.2f} s, spread+binpack)"
    )
    print(
        f"moto   RunTask: {theirs:8.1f} tasks/s ({moto_placed} tasks in {moto_seconds:.2f} s, "
        "no strategies)"
    )
    print(f"ratio ecsviz / moto: {ours / theirs:.2f}x (target >= 2x)")
    if args.floor:
        print_floor(results)


def per_call_ms(placed_and_seconds: tuple[int, float]) -> float:
    placed, seconds = placed_and_seconds
    return seconds / (placed / COUNT) * 1000


def print_floor(results: dict) -> None:
    """How the time of one call divides, and what 2x moto would leave for RunTask's own work."""
    floor, ours, theirs = (per_call_ms(results[side]) for side in ("floor", "ecsviz", "moto"))
    print(
        f"per call: moto {theirs:.2f} ms, ecsviz {ours:.2f} ms, of which {floor:.2f} ms is the "
        f"floor (RunTask from a stored answer) and {ours - floor:.2f} ms RunTask's own work"
    )
    print(
        f"2x moto means {theirs / 2:.2f} ms a call: {theirs / 2 - floor:.2f} ms for RunTask's "
        "own work (lock, engine, SQL, commit, building the answer)"
    )


if __name__ == "__main__":
    main()
