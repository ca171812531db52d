"""DATABASE_URLs that point the service somewhere particular in the test database."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that name the database, which the URL's path does too.
DATABASE_KEYS = {"database", "dbname"}


def with_server_setting(database_url: str, name: str, value: str) -> str:
    """The URL with a server setting: asyncpg sends unknown query parameters as settings."""
    parts = urlsplit(database_url)
    query = [*parse_qsl(parts.query), (name, value)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def with_database(database_url: str, database: str) -> str:
    """The URL naming another database on the same server, its other query parameters kept."""
    parts = urlsplit(database_url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key not in DATABASE_KEYS]
    return urlunsplit(parts._replace(path=f"/{database}", query=urlencode(query)))
