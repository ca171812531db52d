"""DATABASE_URLs that point the service somewhere particular in the test database."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def with_search_path(database_url: str, schema: str) -> str:
    """The URL with a search_path: asyncpg sends unknown query parameters as settings."""
    parts = urlsplit(database_url)
    query = [*parse_qsl(parts.query), ("search_path", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))
