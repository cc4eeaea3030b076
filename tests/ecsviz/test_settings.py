"""Settings follow the environment: database, channel layer, debug, and a clean deploy check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Variables the test process may carry that would change what is being checked.
INHERITED = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}

PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': s.DATABASES['default']['NAME'], "
    "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
    "'capacity': s.CHANNEL_LAYERS['default']['CONFIG'].get('capacity'), "
    "'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS}))"
)


def settings_under(**env: str) -> dict:
    """Load the settings in a fresh interpreter with exactly these variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED}
    clean.update(env, DJANGO_SETTINGS_MODULE="ecsviz.settings")
    out = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_defaults_are_sqlite_and_the_in_memory_layer():
    """A bare machine needs no services: SQLite and an in-memory layer with a raised capacity."""
    loaded = settings_under()
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["layer"] == "channels.layers.InMemoryChannelLayer"
    assert loaded["capacity"] >= 1000
    assert loaded["debug"] is False


def test_database_url_selects_postgresql():
    """DATABASE_URL switches the database."""
    loaded = settings_under(DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "test"


def test_redis_url_selects_the_redis_channel_layer():
    """REDIS_URL switches to channels_redis, so several ASGI workers share broadcasts."""
    loaded = settings_under(REDIS_URL="redis://127.0.0.1:6379/0")
    assert loaded["layer"] == "channels_redis.core.RedisChannelLayer"


def test_debug_and_hosts_come_from_the_environment():
    """ECSVIZ_DEBUG=1 turns debug on; ALLOWED_HOSTS is a comma-separated list."""
    loaded = settings_under(ECSVIZ_DEBUG="1", ALLOWED_HOSTS="ecsviz.example, 10.0.0.5")
    assert loaded["debug"] is True
    assert loaded["hosts"] == ["ecsviz.example", "10.0.0.5"]


def test_deploy_check_is_clean_with_production_settings():
    """`manage.py check --deploy` finds nothing with production-like settings."""
    env = {k: v for k, v in os.environ.items() if k not in INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="ecsviz.settings",
        SECRET_KEY="x" * 20 + "production-secret-key-with-plenty-of-entropy-0123456789",
        ECSVIZ_SECURE="1",
        ALLOWED_HOSTS="ecsviz.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
