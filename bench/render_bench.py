"""Dashboard rendering: server render of the cluster page, tick size and cost, and in Chromium
how long one tick takes to apply and whether the DOM stays the same size after thousands.

    .venv/bin/python bench/render_bench.py [--updates 5000]

Prints figures; asserts nothing about time. Uses a throwaway SQLite database. The large clusters
are bulk-inserted (500 instances / 2,000 tasks and 5,000 / 20,000): the control plane would take
minutes to place 20,000 tasks, and rendering does not care how the rows got there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FOLDER = tempfile.mkdtemp(prefix="ecsviz-render-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{FOLDER}/bench.sqlite3"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecsviz.settings")
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from ecsviz.live.ticks import read_tick  # noqa: E402
from ecsviz.models import Cluster, ContainerInstance, Task  # noqa: E402
from ecsviz.services.clusters import cluster_create  # noqa: E402
from ecsviz.services.instances import builtin_attributes, new_ec2_instance_id  # noqa: E402
from ecsviz.services.taskdefs import task_definition_register  # noqa: E402
from ecsviz.services.tasks import task_run, task_stop  # noqa: E402

FAMILIES = ["web", "api", "worker", "cron", "cache", "search"]


def bulk_cluster(name: str, instances: int, tasks: int) -> Cluster:
    """`instances` m5.xlarge over three zones, `tasks` small tasks spread round-robin."""
    cluster = cluster_create(name=name)
    definitions = [
        task_definition_register(
            definition={
                "family": f"{name}-{family}",
                "containerDefinitions": [
                    {"name": "app", "image": "nginx", "cpu": 128, "memory": 256}
                ],
            }
        )
        for family in FAMILIES
    ]
    now = timezone.now()
    rows = []
    per = tasks // instances
    for i in range(instances):
        zone = "us-east-1" + "abc"[i % 3]
        rows.append(
            ContainerInstance(
                cluster=cluster,
                instance_id=uuid.uuid4().hex,
                ec2_instance_id=new_ec2_instance_id(),
                instance_type="m5.xlarge",
                availability_zone=zone,
                ami_id="ami-0ecs",
                registered_at=now,
                registered_cpu=4096,
                registered_memory=15770,
                remaining_cpu=4096 - 128 * per,
                remaining_memory=15770 - 256 * per,
                registered_ports=[22],
                remaining_ports=[22],
                max_enis=4,
                attributes=builtin_attributes(
                    instance_type="m5.xlarge",
                    availability_zone=zone,
                    ami_id="ami-0ecs",
                    architecture="x86_64",
                ),
            )
        )
    ContainerInstance.objects.bulk_create(rows, batch_size=500)
    rows = list(ContainerInstance.objects.filter(cluster=cluster))
    task_rows = [
        Task(
            task_id=uuid.uuid4().hex,
            cluster=cluster,
            container_instance=row,
            task_definition=definitions[(i * per + j) % len(definitions)],
            group="family:x",
            cpu=128,
            memory=256,
            availability_zone=row.availability_zone,
            last_status="RUNNING",
        )
        for i, row in enumerate(rows)
        for j in range(per)
    ]
    Task.objects.bulk_create(task_rows, batch_size=1000)
    cluster.record_event("bench.loaded", f"{instances} instances, {tasks} tasks", {"instances": []})
    return cluster


def timed_get(client: Client, url: str, runs: int = 5) -> tuple[float, int]:
    """Median milliseconds of a full GET, and the page's size in bytes."""
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        size = len(response.content)
    return statistics.median(times), size


def server_figures() -> dict:
    client = Client()
    figures = {}
    for label, url, runs in (
        ("500 instances / 2,000 tasks, cards", "/clusters/b500/?dense=0", 5),
        ("500 instances / 2,000 tasks, dense", "/clusters/b500/?dense=1", 5),
        ("5,000 instances / 20,000 tasks, dense", "/clusters/b5000/?dense=1", 3),
        ("5,000 instances / 20,000 tasks, cards", "/clusters/b5000/?dense=0", 1),
    ):
        ms, size = timed_get(client, url, runs)
        figures[label] = (ms, size)
        print(f"  server render  {label:42s} {ms:8.0f} ms  {size / 1024:8.0f} KiB")
    return figures


def real_ticks(cluster: Cluster, count: int) -> list[str]:
    """Messages from real RunTask and StopTask calls, rendered as the feed renders them."""
    definition = cluster_definitions(cluster)[0]
    messages, tasks, renders = [], [], []
    for i in range(count):
        seq = Cluster.objects.get(pk=cluster.pk).event_seq
        if i % 2 == 0 or not tasks:
            tasks += task_run(cluster=cluster, task_definition=definition, seed=i).tasks
        else:
            task_stop(cluster=cluster, task=tasks.pop(0), reason="bench")
        start = time.perf_counter()
        tick = read_tick(cluster.pk, seq, {"cards"})
        renders.append((time.perf_counter() - start) * 1000)
        messages.append(tick.messages["cards"])
    print(f"  tick render alone (read_tick)          {statistics.median(renders):6.1f} ms median")
    return messages


def cluster_definitions(cluster: Cluster):
    from ecsviz.models import TaskDefinition

    return list(TaskDefinition.objects.filter(family__startswith=f"{cluster.name}-"))


def tick_figures(cluster: Cluster) -> list[str]:
    start = time.perf_counter()
    messages = real_ticks(cluster, 40)
    elapsed = (time.perf_counter() - start) * 1000 / 40
    sizes = [len(m.encode()) for m in messages]
    print(
        f"  tick (write + render, 500 instances)  {elapsed:6.1f} ms each; "
        f"bytes per tick median {statistics.median(sizes):.0f}, max {max(sizes)}"
    )
    return messages


FAKE_SOCKET = """
window.__ticks = [];
htmx_socket_factory = function () {
  const socket = new EventTarget();
  socket.readyState = 1; socket.OPEN = 1; socket.send = () => {}; socket.close = () => {};
  window.__socket = socket;
  setTimeout(() => socket.onopen && socket.onopen({}), 0);
  return socket;
};
document.addEventListener('DOMContentLoaded', () => { htmx.createWebSocket = htmx_socket_factory; });
document.addEventListener('htmx:wsBeforeMessage', () => { window.__t0 = performance.now(); });
document.addEventListener('htmx:wsAfterMessage', () => { window.__ticks.push(performance.now() - window.__t0); });
"""

REPLAY = """
([messages, start, updates]) => {
  const socket = window.__socket;
  let seq = start;
  for (let i = 0; i < updates; i++) {
    // Renumber each recorded tick so that it follows on from the page, as a live one would.
    const body = messages[i % messages.length]
      .replace(/^<!--tick from=\\d+ seq=\\d+-->/, '')
      .replace(/data-seq="\\d+"/, `data-seq="${seq + 1}"`);
    const header = `<!--tick from=${seq} seq=${seq + 1}-->`;
    seq += 1;
    socket.dispatchEvent(new MessageEvent('message', {data: header + body}));
  }
  return seq;
}
"""


def chromium_figures(port: int, messages: list[str], updates: int) -> None:
    from playwright.sync_api import sync_playwright

    executable = (
        os.environ.get("ECSVIZ_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.add_init_script(FAKE_SOCKET)
        page.goto(f"http://127.0.0.1:{port}/clusters/b500/?dense=0")
        page.wait_for_function("window.__socket !== undefined")
        page.wait_for_timeout(300)
        nodes = "document.getElementsByTagName('*').length"
        start_nodes = page.evaluate(nodes)
        seq = int(page.locator("#totals").get_attribute("data-seq"))
        seq = page.evaluate(REPLAY, [messages, seq, updates])
        end_nodes = page.evaluate(nodes)
        ticks = sorted(page.evaluate("window.__ticks"))
        p50, p99 = ticks[len(ticks) // 2], ticks[int(len(ticks) * 0.99)]
        print(
            f"  chromium: {len(ticks)} ticks applied; per tick p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
            f"max {ticks[-1]:.2f} ms"
        )
        print(
            f"  chromium: DOM nodes {start_nodes} at start, {end_nodes} after {updates} updates "
            f"({100 * (end_nodes - start_nodes) / start_nodes:+.1f}%)"
        )
        compare_many_swaps(page, seq)
        browser.close()


def compare_many_swaps(page, seq: int) -> None:
    """htmx #1803: 500 card swaps in one message versus one swap of the whole grid."""
    html = page.evaluate("document.getElementById('grid').outerHTML")
    totals = page.evaluate("document.getElementById('totals').outerHTML").replace(
        "<p ", '<p hx-swap-oob="true" ', 1
    )
    cards = re.findall(r'<article id="instance-.*?</article>', html, flags=re.S)
    many = "".join(card.replace("<article ", '<article hx-swap-oob="true" ', 1) for card in cards)
    one = html.replace('<div id="grid"', '<div id="grid" hx-swap-oob="true"', 1)
    for label, body in ((f"{len(cards)} card swaps in one message", many), ("one grid swap", one)):
        body = totals + body
        page.evaluate("window.__ticks = []")
        seq = page.evaluate(REPLAY, [[f"<!--tick from=0 seq=0-->{body}"], seq, 1])
        print(f"  chromium: {label:36s} {page.evaluate('window.__ticks[0]'):8.1f} ms")


def serve(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
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
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    raise RuntimeError("daphne did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=5000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print("building clusters (bulk insert)...")
    b500 = bulk_cluster("b500", 500, 2000)
    bulk_cluster("b5000", 5000, 20000)
    server_figures()
    messages = tick_figures(b500)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve(port)
    try:
        chromium_figures(port, messages, args.updates)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(FOLDER, ignore_errors=True)
    print(json.dumps({"ok": True}))


if __name__ == "__main__":
    main()
