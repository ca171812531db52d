"""Undo what a test run set up when the run dies before it can (SIGKILL, a crash).

pytest's own cleanup never runs in a process that is killed. `watch()` starts a process
of its own, in a session of its own, that waits for the run to end: a run that ends as it
should dismisses it after cleaning up; one that dies closes the pipe without a word, and
the watchdog stops the throwaway server and deletes its folder, or drops the run's
database on DATABASE_URL's server.

`python -m tests.watchdog <what to undo, as JSON>` is the watchdog itself.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_postgres import stop

from .postgres_admin import drop_database

PROJECT = Path(__file__).resolve().parents[1]
DISMISSED = "dismissed"


@dataclass(frozen=True)
class Watchdog:
    """The watchdog's process, which the run dismisses once it has cleaned up itself."""

    process: subprocess.Popen[str]

    def dismiss(self) -> None:
        """Tell the watchdog that the run cleaned up; it exits without doing anything."""
        if self.process.stdin is not None:
            self.process.stdin.write(DISMISSED)
            self.process.stdin.close()
        self.process.wait()


def watch(**undo: str) -> Watchdog:
    """Start a watchdog that undoes `undo` unless dismissed: `data` and `folder` of a
    throwaway server, or `database_url` (the server's own database) and `database`.
    """
    process = subprocess.Popen(  # noqa: S603 (this Python, running this module)
        [sys.executable, "-m", "tests.watchdog", json.dumps(undo)],
        stdin=subprocess.PIPE,
        cwd=PROJECT,
        start_new_session=True,  # a Ctrl-C for the run does not reach it
        text=True,
    )
    return Watchdog(process)


def undo(what: dict[str, Any]) -> None:
    """Stop and delete the throwaway server, or drop the run's database."""
    if "data" in what:
        stop(Path(what["data"]))
        shutil.rmtree(what["folder"], ignore_errors=True)
    if "database" in what:
        asyncio.run(drop_database(what["database_url"], what["database"]))


if __name__ == "__main__":
    if sys.stdin.read() != DISMISSED:
        undo(json.loads(sys.argv[1]))
