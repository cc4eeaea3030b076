"""WAL checkpoints of a SQLite file run on a background thread, not inside commits."""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from ecsviz import sqlite_checkpoints
from ecsviz.sqlite_checkpoints import Checkpointer


def wal_database(path) -> sqlite3.Connection:
    """A database in WAL mode whose connection never checkpoints by itself."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE rows (value TEXT)")
    return db


def test_the_thread_copies_the_log_into_the_file(tmp_path):
    path = tmp_path / "wal.sqlite3"
    db = wal_database(path)
    checkpointer = Checkpointer(str(path), interval=0.01)
    try:
        for _ in range(200):
            db.execute("INSERT INTO rows VALUES (?)", ["x" * 2000])
        # Nothing has checkpointed yet: the rows are in the log, the file holds the schema.
        assert path.stat().st_size < 50_000
        assert (tmp_path / "wal.sqlite3-wal").stat().st_size > 200 * 2000
        checkpointer.start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and path.stat().st_size < 200 * 2000:
            time.sleep(0.01)
        assert path.stat().st_size > 200 * 2000
        assert db.execute("SELECT count(*) FROM rows").fetchone()[0] == 200
    finally:
        checkpointer.stop()
        checkpointer.join(timeout=5)
        db.close()
    assert not checkpointer.is_alive()


def filled_log(tmp_path, name: str):
    """A database whose 3 MB log nothing has checkpointed yet, and the log's path."""
    path = tmp_path / f"{name}.sqlite3"
    db = wal_database(path)
    for _ in range(1500):
        db.execute("INSERT INTO rows VALUES (?)", ["x" * 2000])
    return path, db, tmp_path / f"{name}.sqlite3-wal"


def checkpoint_once(path, wal_limit: int) -> str:
    """The mode one round of the thread chooses, after running it."""
    checkpointer = Checkpointer(str(path), wal_limit=wal_limit)
    mode = checkpointer.mode()
    with sqlite3.connect(path, isolation_level=None) as connection:
        assert checkpointer.checkpoint(connection)
    return mode


def test_a_log_over_its_limit_is_emptied(tmp_path):
    path, db, log = filled_log(tmp_path, "long")
    assert checkpoint_once(path, wal_limit=200_000) == "TRUNCATE"
    assert log.stat().st_size == 0
    assert db.execute("SELECT count(*) FROM rows").fetchone()[0] == 1500
    db.close()


def test_a_log_under_its_limit_is_copied_and_left_in_place(tmp_path):
    # The next write starts the file over; emptying it would only cost writers a wait.
    path, db, log = filled_log(tmp_path, "short")
    size = log.stat().st_size
    assert checkpoint_once(path, wal_limit=100 * size) == "PASSIVE"
    assert log.stat().st_size == size
    assert path.stat().st_size > 1500 * 2000  # the rows are in the file now
    db.close()


def test_the_thread_ends_when_its_database_is_gone(tmp_path):
    path = tmp_path / "gone.sqlite3"
    wal_database(path).close()
    checkpointer = Checkpointer(str(path), interval=0.01)
    checkpointer.start()
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"gone.sqlite3{suffix}").unlink(missing_ok=True)
    checkpointer.join(timeout=5)
    assert not checkpointer.is_alive()


def test_a_django_connection_to_a_file_leaves_checkpoints_to_the_thread(
    tmp_path, django_db_blocker
):
    path = tmp_path / "django.sqlite3"
    databases = ConnectionHandler(
        {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
            "files": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(path),
                "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL"},
            },
        }
    )
    wrapper = databases["files"]
    try:
        with django_db_blocker.unblock(), wrapper.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == 0
        checkpointer = sqlite_checkpoints.checkpointer_for(str(path))
        assert checkpointer.is_alive()
        # One thread per file and process, whichever connection asks.
        assert sqlite_checkpoints.checkpointer_for(str(path)) is checkpointer
    finally:
        wrapper.close()
        sqlite_checkpoints.checkpointer_for(str(path)).stop()


@pytest.mark.django_db
def test_the_test_database_checkpoints_by_itself_only_in_memory():
    if connection.vendor != "sqlite":
        return  # the suite on PostgreSQL: nothing of SQLite's to look at
    # In memory when run alone; a file when the browser tests share the run (their live server).
    in_memory = connection.is_in_memory_db()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == (1000 if in_memory else 0)  # 1000: SQLite's default
    assert (str(connection.settings_dict["NAME"]) in sqlite_checkpoints._checkpointers) != in_memory
