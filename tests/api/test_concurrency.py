"""Concurrent RunTask calls never overcommit an instance or hand out a host port twice."""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict

from tests.api.conftest import make_client, register_family, register_instance

THREADS = 8
CALLS_PER_THREAD = 25


def run_many(
    endpoint: str, cluster: str, families: list[str], seed: int, results: list, errors: list
):
    chooser = random.Random(seed)
    client = make_client(endpoint)
    try:
        for _ in range(CALLS_PER_THREAD):
            count = chooser.randint(1, 3)
            answer = client.run_task(
                cluster=cluster, taskDefinition=chooser.choice(families), count=count
            )
            results.append((count, answer["tasks"], answer["failures"]))
    except Exception as error:  # the assertion below reports it with the others
        errors.append(error)
    finally:
        client.close()


def all_tasks(ecs, cluster: str) -> list[dict]:
    arns = [
        arn
        for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster)
        for arn in page["taskArns"]
    ]
    return [
        task
        for start in range(0, len(arns), 100)
        for task in ecs.describe_tasks(cluster=cluster, tasks=arns[start : start + 100])["tasks"]
    ]


def test_eight_threads_of_run_task_respect_capacity_and_ports(endpoint, ecs, cluster):
    """8 x 25 concurrent RunTask calls: capacity holds, host ports unique, nothing lost."""
    instances = [register_instance(ecs, cluster, f"us-east-1{z}") for z in "abcabc"]
    families = [
        register_family(ecs, cpu=128, memory=256, ports=[{"containerPort": 80, "hostPort": 8080}]),
        register_family(ecs, cpu=128, memory=256, ports=[{"containerPort": 80, "hostPort": 0}]),
    ]
    results: list = []
    errors: list = []
    threads = [
        threading.Thread(target=run_many, args=(endpoint, cluster, families, seed, results, errors))
        for seed in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == THREADS * CALLS_PER_THREAD
    # Every requested task was either placed or its call reported why not.
    for count, tasks, failures in results:
        assert len(tasks) == count or failures
    placed = [task for _, tasks, _ in results for task in tasks]
    live = all_tasks(ecs, cluster)
    assert {t["taskArn"] for t in live} == {t["taskArn"] for t in placed}
    described = ecs.describe_container_instances(cluster=cluster, containerInstances=instances)
    by_instance = defaultdict(list)
    for task in live:
        by_instance[task["containerInstanceArn"]].append(task)
    for instance in described["containerInstances"]:
        registered = {r["name"]: r for r in instance["registeredResources"]}
        remaining = {r["name"]: r for r in instance["remainingResources"]}
        tasks = by_instance[instance["containerInstanceArn"]]
        for name, field in (("CPU", "cpu"), ("MEMORY", "memory")):
            used = sum(int(task[field]) for task in tasks)
            assert remaining[name]["integerValue"] >= 0
            assert registered[name]["integerValue"] - remaining[name]["integerValue"] == used
        ports = Counter(
            binding["hostPort"]
            for task in tasks
            for container in task["containers"]
            for binding in container["networkBindings"]
        )
        assert all(n == 1 for n in ports.values()), ports
        assert instance["runningTasksCount"] == len(tasks)
