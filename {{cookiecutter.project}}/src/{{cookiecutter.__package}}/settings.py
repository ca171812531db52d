"""Service settings, read from the environment (and a local `.env` file).

No message about a setting ever shows its value: DATABASE_URL holds a password.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

POSTGRES_SCHEMES = ("postgresql", "postgres")
# What asyncpg does when a URL names no host: look for a Unix socket, then localhost.
DEFAULT_DATABASE_ADDRESS = "the local default (Unix socket or localhost:5432)"
DEFAULT_MAX_REQUEST_BODY_BYTES = 64 * 1024
RESERVED_IN_PASSWORDS = "percent-encode '/', '?', '#' and '@' in the password (e.g. '/' as %2F)"


class Settings(BaseSettings):
    """Everything the service reads from its environment, with production-safe defaults."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    database_url: SecretStr = Field(
        description="PostgreSQL URL, e.g. postgresql://user:secret@localhost:5432/tasks",
    )
    db_pool_min_size: int = Field(default=1, ge=0, description="Connections kept open when idle.")
    db_pool_max_size: int = Field(default=10, ge=1, description="Most connections the pool opens.")
    db_connect_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a new database connection."
    )
    db_acquire_timeout: float = Field(
        default=5.0, gt=0, description="Seconds a request waits for a free pool connection."
    )
    db_command_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a single SQL statement may run."
    )
    db_pool_close_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds shutdown waits for busy connections before closing them anyway.",
    )
    run_migrations: bool = Field(
        default=True, description="Apply pending migrations when the service starts."
    )

    max_request_body_bytes: int = Field(
        default=DEFAULT_MAX_REQUEST_BODY_BYTES,
        ge=0,
        description="Largest request body accepted; a larger one gets 413 before it is read.",
    )
    max_concurrent_requests: int = Field(
        default=100,
        ge=1,
{%- if cookiecutter.include_metrics %}
        description="Requests a worker serves at once; more get 503 at once "
        "(/health and /metrics excepted).",
{%- else %}
        description="Requests a worker serves at once; more get 503 at once (/health excepted).",
{%- endif %}
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Comma-separated addresses or networks of the proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto headers are believed; none by default.",
    )
    serve_docs: bool = Field(default=False, description="Serve /docs and /redoc.")

    log_format: Literal["json", "console"] = Field(
        default="json",
        description="How log lines are written: `json`, one object per line, for a log "
        "collector; `console`, aligned and coloured on a terminal, for a developer.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="The least severe log lines written."
    )
    log_requests: bool = Field(default=True, description="Write one log line per request.")
{%- if cookiecutter.include_metrics %}
    serve_metrics: bool = Field(
        default=True, description="Count requests and serve /metrics for Prometheus."
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port that serves /metrics instead of PORT, on HOST; one worker only.",
    )
{%- endif %}

    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    workers: int = Field(default=1, ge=1, description="Server worker processes.")
    http_header_timeout: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Seconds a client has to send a request's headers, and a kept-alive "
        "connection may stay idle; then it is closed.",
    )

    http_body_timeout: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="Seconds a client has to send a request's whole body; then it gets 408.",
    )

    @field_validator("database_url")
    @classmethod
    def _well_formed_postgres_url(cls, url: SecretStr) -> SecretStr:
        problem = database_url_problem(url.get_secret_value())
        if problem:
            raise ValueError(problem)
        return url

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            return [address.strip() for address in value.split(",") if address.strip()]
        return value
{%- if cookiecutter.include_metrics %}

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty METRICS_PORT, as .env.example writes it, leaves /metrics on PORT."""
        return None if value == "" else value
{%- endif %}

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, addresses: list[str]) -> list[str]:
        for address in addresses:
            try:
                ipaddress.ip_network(address, strict=False)
            except ValueError:
                msg = f"{address!r} is not an IP address or network"
                raise ValueError(msg) from None
        return addresses

    @model_validator(mode="after")
    def _pool_sizes_in_order(self) -> Settings:
        if self.db_pool_min_size > self.db_pool_max_size:
            msg = "DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE"
            raise ValueError(msg)
        return self
{%- if cookiecutter.include_metrics %}

    @model_validator(mode="after")
    def _metrics_port_usable(self) -> Settings:
        if self.metrics_port is None:
            return self
        if not self.serve_metrics:
            msg = "METRICS_PORT is set but SERVE_METRICS is off: unset one of them"
        elif self.metrics_port == self.port:
            msg = "METRICS_PORT must differ from PORT: unset it to serve /metrics on PORT"
        elif self.workers > 1:
            # Each worker serves its own metrics, and only one process can listen on a port.
            msg = "METRICS_PORT needs WORKERS=1: each worker would listen on it"
        else:
            return self
        raise ValueError(msg)
{%- endif %}

    @property
    def database_address(self) -> str:
        """Where the database is, for messages: host and port, or the socket's folder."""
        return database_address(self.database_url.get_secret_value())

    @property
    def database_password_forms(self) -> set[str]:
        """The password of DATABASE_URL as written and as decoded, to blot out of messages."""
        parts = urlsplit(self.database_url.get_secret_value())
        passwords = [parts.password, *parse_qs(parts.query).get("password", [])]
        return {form for secret in passwords if secret for form in (secret, unquote(secret))}


def database_url_problem(url: str) -> str | None:
    """Why the URL is not one asyncpg can use unambiguously, in words that quote none of it.

    A password with an unencoded `/`, `?`, `#` or `@` moves part of it into the port, the
    database name or the query, where a driver's error message would print it.
    """
    scheme, separator, _rest = url.partition("://")
    if not separator or scheme not in POSTGRES_SCHEMES:
        return "must be a postgresql:// URL"
    parts = urlsplit(url)
    try:
        _ = parts.port  # reading it checks it
    except ValueError:
        return f"has no valid port after the host: {RESERVED_IN_PASSWORDS}"
    if "@" in parts.path or "@" in parts.query or parts.fragment:
        return f"has an '@' or '#' after the host: {RESERVED_IN_PASSWORDS}"
    return None


def database_address(url: str) -> str:
    """Host and port of a PostgreSQL URL, or the Unix socket folder it names."""
    parts = urlsplit(url)
    query_host = parse_qs(parts.query).get("host", [None])[0]
    host = query_host or unquote(parts.hostname or "")
    if not host:
        return DEFAULT_DATABASE_ADDRESS
    if host.startswith("/"):
        return f"{host} (Unix socket)"
    return f"{host}:{parts.port or 5432}"


@lru_cache
def get_settings() -> Settings:
    """Return the settings, read once from the environment."""
    return Settings()
