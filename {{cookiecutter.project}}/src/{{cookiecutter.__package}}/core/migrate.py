"""Apply the SQL files in `migrations/` in order, once each, recorded in a table.

Run alone with `python -m {{ cookiecutter.__package }} migrate`.
"""

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import asyncpg

from .durations import milliseconds

# Any fixed 64-bit number works; it only has to be the same for every instance.
MIGRATION_LOCK_ID = 0x7A5C_0001
# Migrations may rebuild large tables: they get far longer than a request's statements.
MIGRATION_TIMEOUT = 600.0
FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")

CREATE_HISTORY_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """The migration files and the database's history do not agree."""


@dataclass(frozen=True)
class Migration:
    """One SQL file of the migrations package."""

    version: int
    name: str
    sql: str

    @property
    def file_name(self) -> str:
        """The name of the file the migration comes from."""
        return f"{self.version:04d}_{self.name}.sql"

    @property
    def checksum(self) -> str:
        """Fingerprint of the SQL, to notice files edited after they were applied."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Traversable | None = None) -> list[Migration]:
    """Read the migration files (by default those shipped in the package), ordered by version."""
    directory = directory or resources.files(f"{__package__}.migrations")
    migrations = []
    for entry in directory.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = FILE_NAME.match(entry.name)
        if match is None:
            msg = f"migration file {entry.name!r} is not named NNNN_description.sql"
            raise MigrationError(msg)
        migrations.append(
            Migration(int(match["version"]), match["name"], entry.read_text(encoding="utf-8"))
        )
    migrations.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in migrations]
    if len(set(versions)) != len(versions):
        msg = f"two migration files share a version number: {versions}"
        raise MigrationError(msg)
    return migrations


async def apply_migrations(
    connection: asyncpg.Connection | asyncpg.pool.PoolConnectionProxy,
    migrations: list[Migration] | None = None,
) -> list[Migration]:
    """Apply the pending migrations, each in its own transaction; return those applied.

    An advisory lock per transaction lets instances that start together apply each one once.
    """
    migrations = load_migrations() if migrations is None else migrations
    applied: list[Migration] = []
    while True:
        async with connection.transaction():
            # Waiting for another instance's migration, or running one, outlasts a request.
            await connection.execute(
                "SELECT set_config('statement_timeout', $1, true)", milliseconds(MIGRATION_TIMEOUT)
            )
            await connection.execute(
                "SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_ID, timeout=MIGRATION_TIMEOUT
            )
            pending = await pending_migrations(connection, migrations)
            if not pending:
                return applied
            migration = pending[0]
            try:
                await connection.execute(migration.sql, timeout=MIGRATION_TIMEOUT)
            except asyncpg.PostgresError as error:
                # PostgreSQL's message does not say which file it comes from.
                error.add_note(f"migration {migration.file_name} failed")
                raise
            await connection.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                migration.version,
                migration.name,
                migration.checksum,
            )
        applied.append(migration)


async def pending_migrations(
    connection: asyncpg.Connection | asyncpg.pool.PoolConnectionProxy, migrations: list[Migration]
) -> list[Migration]:
    """The migrations the history does not list, in order; fail on one edited since it ran."""
    await connection.execute(CREATE_HISTORY_TABLE)
    rows = await connection.fetch("SELECT version, checksum FROM schema_migrations")
    applied = {row["version"]: row["checksum"] for row in rows}
    for migration in migrations:
        if migration.version in applied and applied[migration.version] != migration.checksum:
            msg = f"migration {migration.file_name} changed after it was applied"
            raise MigrationError(msg)
    return [migration for migration in migrations if migration.version not in applied]
