"""Make docs/screenshots/*.png: the dashboard's main views at 1280x800, in Debian's chromium.

    .venv/bin/python scripts/screenshots.py

Builds a throwaway SQLite database with the classroom demo and a few tasks, serves it with daphne
on a free port, and photographs each view. Nothing outside docs/screenshots/ is touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("ECSVIZ_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def setup_database(env: dict[str, str]) -> None:
    """The classroom demo, a second cluster big enough for dense mode, and some tasks."""
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "loaddemo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-c", POPULATE], cwd=ROOT, env=env, check=True)


POPULATE = """
import django; django.setup()
from ecsviz.models import TaskDefinition
from ecsviz.services.clusters import cluster_create
from ecsviz.services.instances import container_instance_register, container_instances_update_state
from ecsviz.services.tasks import task_run
from ecsviz.clock import advance
from django.utils import timezone
from datetime import timedelta
spread = [{"type": "spread", "field": "attribute:ecs.availability-zone"}, {"type": "spread", "field": "instanceId"}]
for family, count in (("web-static", 5), ("api-dynamic", 6), ("worker-soft-memory", 8)):
    definition = TaskDefinition.objects.filter(family=family).latest("revision")
    task_run(cluster="classroom", task_definition=definition, count=count, placement_strategy=spread, seed=1)
task_run(cluster="classroom", task_definition=TaskDefinition.objects.get(family="web-static"), count=4, seed=2)
advance(now=timezone.now() + timedelta(minutes=1))
task_run(cluster="classroom", task_definition=TaskDefinition.objects.get(family="api-dynamic"), count=2, seed=3)
big = cluster_create(name="fleet")
types = ["m5.large", "c5.xlarge", "t3.medium", "r5.large"]
for i in range(240):
    container_instance_register(cluster="fleet", instance_type=types[i % 4], availability_zone="us-east-1" + "abc"[i % 3])
for family in ("web-static", "api-dynamic", "worker-soft-memory"):
    definition = TaskDefinition.objects.get(family=family)
    for _ in range(25):
        task_run(cluster="fleet", task_definition=definition, count=10, seed=_)
advance(now=timezone.now() + timedelta(minutes=2))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
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
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    raise RuntimeError("daphne did not start")


def photograph(base: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/")
        page.screenshot(path=OUT / "cluster-list.png")
        page.goto(f"{base}/clusters/classroom/")
        page.wait_for_selector("#conn[data-state=live]")
        page.screenshot(path=OUT / "cluster.png")
        page.fill("#id_member_of", "attribute:ecs.instance-type =~ t3.*")
        page.wait_for_selector("#query-check p")
        page.screenshot(path=OUT / "member-of.png")
        page.fill("#id_member_of", "attribute:ecs.instance-type =~")
        page.wait_for_selector("#query-check pre")
        page.locator("#run-form").screenshot(path=OUT / "member-of-error.png")
        page.locator("article.instance h3 a").nth(0).click()
        page.fill("#panel input[name=cpu]", "512")
        page.get_by_role("button", name="Preview").click()
        page.wait_for_selector("#panel .preview")
        page.screenshot(path=OUT / "what-if.png")
        page.locator(".chip a").first.click()
        page.wait_for_selector("#task-panel")
        page.locator("#task-panel h3").scroll_into_view_if_needed()
        page.screenshot(path=OUT / "why-here.png")
        page.goto(f"{base}/clusters/fleet/")
        page.wait_for_selector("#conn[data-state=live]")
        page.screenshot(path=OUT / "dense.png")
        page.goto(f"{base}/compare/?a=classroom&b=fleet")
        page.wait_for_timeout(1500)
        page.screenshot(path=OUT / "compare.png")
        browser.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ecsviz-shots-") as folder:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            DATABASE_URL=f"sqlite:///{folder}/shots.sqlite3",
            DJANGO_SETTINGS_MODULE="ecsviz.settings",
        )
        setup_database(env)
        port = free_port()
        server = serve(env, port)
        try:
            photograph(f"http://127.0.0.1:{port}")
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("screenshots in", OUT.relative_to(ROOT))


if __name__ == "__main__":
    main()
