"""Playwright driving Debian's chromium, headless; never a downloaded browser build."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine has no outside network: keep chromium from trying.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium per test module.

    Not per session: Playwright's sync API keeps an event loop running in this thread while it
    is open, and the async consumer tests, shuffled in between, need to run their own.
    """
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    # (fixtures, assertions) are still plain synchronous code, which Django must be told.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = (
        os.environ.get("ECSVIZ_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context and page at 1280x800, closed after the test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


# --- Daphne: the real ASGI server, for pages that need their websocket -----------------------

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    """Give SQLite a file test database, so daphne processes can share it with the test.

    An in-memory database lives in one process only. The file is per run and removed with the
    temporary directory; PostgreSQL needs nothing: its test database is reachable by name.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database["TEST"].get("NAME"):
        folder = Path(tempfile.mkdtemp(prefix="ecsviz-tests-"))
        database["TEST"]["NAME"] = str(folder / "test.sqlite3")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The URL of the database the tests are using (the test database, by its real name)."""
    from django.db import connection

    settings = connection.settings_dict
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings['NAME']}"
    host = settings["HOST"] or "127.0.0.1"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{auth}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


class Daphne:
    """One daphne process serving ecsviz on the test database; restartable on the same port."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.process: subprocess.Popen | None = None
        # A file, not a pipe: a full pipe would stall the server mid-test.
        handle, name = tempfile.mkstemp(prefix="daphne-", suffix=".log")
        os.close(handle)
        self.log = Path(name)

    def start(self) -> Daphne:
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "ecsviz.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.output()[-2000:])
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("daphne did not start")

    def stop(self, *, abruptly: bool = False) -> None:
        """Terminate (or kill, to drop every connection as a crash would) and reap the process."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill() if abruptly else self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                # Daphne waits for open websockets on SIGTERM; a test cannot.
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def output(self) -> str:
        """What the server logged so far (errors included), for a failing test's message."""
        return self.log.read_text(errors="replace")


def daphne_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DATABASE_URL=database_url(), ECSVIZ_TASK_START_DELAY="0.3", **extra)
    return env


@pytest.fixture(scope="session")
def daphne(django_db_setup, django_db_blocker):
    """A daphne process for the whole session, on the test database and this run's channel layer."""
    with django_db_blocker.unblock():
        server = Daphne(daphne_env()).start()
    yield server
    server.stop()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll `predicate` until it holds (True) or the time is up (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
