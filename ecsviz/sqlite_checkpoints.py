"""SQLite's WAL checkpoints on a background thread, off the requests' path.

In WAL mode a commit appends pages to the log, and SQLite copies the log back into the database
file (a checkpoint) inside whichever commit first finds the log over 1,000 pages; with
`synchronous=NORMAL` that commit then also waits for the log's and the file's fsyncs. Through the
ECS API about one RunTask in six paid 4-10 ms for it, over a call of about 2 ms.

So every Django connection to a SQLite file turns the automatic checkpoint off, and one daemon
thread per process and database file runs a PASSIVE checkpoint every `INTERVAL` seconds on its
own connection. PASSIVE never waits for readers or writers (it copies what no reader still needs
and leaves the rest for next time), and Python's sqlite3 releases the GIL while SQLite works, so
requests go on beside it. Once a checkpoint has copied the whole log, the next write starts the
log file over from its beginning; but under writes that never pause for a whole interval, some
write always lands while the copy runs, and the file would grow without end. So when it is over
`WAL_LIMIT` bytes, the thread runs a TRUNCATE checkpoint instead: writers wait for it (by their
busy timeout) while it copies the little PASSIVE left behind, and the file is emptied. In-memory
databases (the test suite's) have no log and are left alone.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

# Seconds between checkpoints: at the API's fastest (about 250 RunTask calls a second, some 20
# pages each) the log grows by about 5,000 pages between two of them.
INTERVAL = 1.0
# A log file this large is emptied, writers waiting: about 1,000 RunTask calls of 10 tasks.
WAL_LIMIT = 64 * 2**20
# Seconds a TRUNCATE checkpoint waits for the writer of the moment to finish.
BUSY_TIMEOUT = 2.0

_lock = threading.Lock()
# Database file -> its checkpointer in this process (a forked child starts its own).
_checkpointers: dict[str, Checkpointer] = {}


class Checkpointer(threading.Thread):
    """Checkpoints one database file's log every `interval` seconds until stopped."""

    def __init__(self, path: str, interval: float = INTERVAL, wal_limit: int = WAL_LIMIT) -> None:
        super().__init__(name=f"sqlite-checkpoint {Path(path).name}", daemon=True)
        self.path, self.interval, self.wal_limit = path, interval, wal_limit
        self.log = Path(f"{path}-wal")
        self.pid = os.getpid()
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            # mode=rw: a database deleted meanwhile is not created again, empty.
            uri = Path(self.path).resolve().as_uri() + "?mode=rw"
            connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error:
            return
        try:
            while not self.stopping.wait(self.interval):
                if not self.checkpoint(connection):
                    return
        finally:
            connection.close()

    def checkpoint(self, connection: sqlite3.Connection) -> bool:
        """One checkpoint; False when the database is gone and the thread should end."""
        if not Path(self.path).exists():
            return False
        try:
            connection.execute(f"PRAGMA wal_checkpoint({self.mode()})").fetchall()
        except sqlite3.Error as error:
            # A busy database waits for the next round; the log only grows meanwhile.
            logger.debug("WAL checkpoint of %s skipped: %s", self.path, error)
        return True

    def mode(self) -> str:
        """PASSIVE, or TRUNCATE once the log file has outgrown its limit."""
        try:
            too_long = self.log.stat().st_size > self.wal_limit
        except FileNotFoundError:
            too_long = False
        return "TRUNCATE" if too_long else "PASSIVE"

    def stop(self) -> None:
        self.stopping.set()


def checkpointer_for(path: str) -> Checkpointer:
    """This process's running checkpointer for a database file, started if need be."""
    with _lock:
        current = _checkpointers.get(path)
        if current is None or current.pid != os.getpid() or not current.is_alive():
            current = _checkpointers[path] = Checkpointer(path)
            current.start()
        return current


def on_connection_created(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: a SQLite file's checkpoints go to the background thread."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    path = str(connection.settings_dict["NAME"])
    checkpointer_for(path)
    connection.connection.execute("PRAGMA wal_autocheckpoint=0")
