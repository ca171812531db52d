"""Everyday developer commands (`invoke --list`), on DATABASE_URL or an embedded PostgreSQL."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import local_postgres
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task
from pydantic_settings import BaseSettings, SettingsConfigDict
from tools.postgres_major import POSTGRES_MAJOR

PACKAGE = "{{ cookiecutter.__package }}"
EMBEDDED_DATA = Path(__file__).parent / ".pgdata"


class DatabaseSetting(BaseSettings):
    """DATABASE_URL, from where the service reads it: the environment, then `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")
    database_url: str | None = None


def embedded_database_url() -> str:
    """Start the embedded PostgreSQL unless it runs already; return its URL."""
    try:
        server = local_postgres.start(EMBEDDED_DATA, delete_on_exit=False, major=POSTGRES_MAJOR)
    except local_postgres.LocalPostgresError as error:
        raise Exit(f"error: {error}") from None
    return str(server.get_uri())


def database_url() -> str:
    """DATABASE_URL when it is set (environment or `.env`), else the embedded database's URL."""
    return DatabaseSetting().database_url or embedded_database_url()


@task
def db(c: Context, stop: bool = False) -> None:
    """Start the embedded PostgreSQL (data in .pgdata/) and print its URL; --stop stops it."""
    if not stop:
        print(f"export DATABASE_URL='{embedded_database_url()}'")
        return
    try:
        stopped = local_postgres.stop(EMBEDDED_DATA)
    except local_postgres.LocalPostgresError as error:
        raise Exit(f"error: {error}") from None
    print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL is not running")


@task
def migrate(c: Context) -> None:
    """Apply pending migrations to DATABASE_URL (or the embedded database)."""
    c.run(f"{sys.executable} -m {PACKAGE} migrate", env={"DATABASE_URL": database_url()})


@task
def dev(c: Context, port: int = 8000) -> None:
    """Serve on 127.0.0.1 with /docs and readable logs, restarting on source changes."""
    env = {"PORT": str(port), "SERVE_DOCS": "true", "LOG_FORMAT": "console"}
    # In a process group of its own, Granian's main process alone gets Ctrl-C and stops its
    # workers, instead of reporting them crashed; SIGHUP would reload them (docs/decisions.md).
    server = subprocess.Popen(  # noqa: S603 (this Python, running the package)
        [sys.executable, "-m", PACKAGE, "--reload"],
        env=os.environ | env | {"DATABASE_URL": database_url()},
        process_group=0,
    )

    def forward(signum: int, _frame: object) -> None:
        server.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(each, forward)
    if server.wait():
        raise Exit(code=server.returncode)
{%- if cookiecutter.include_image %}


@task
def image(c: Context) -> None:
    """Build the container image and test it running (`nox -s image`: Docker or Podman)."""
    c.run("nox -s image", pty=True)
{%- endif %}


@task
def ci(c: Context) -> None:
    """CI's sessions in its order, then the verdict: `nox`{% if cookiecutter.include_image %} (CI's image session: `invoke image`){% endif %}."""
    c.run("nox", pty=True)
