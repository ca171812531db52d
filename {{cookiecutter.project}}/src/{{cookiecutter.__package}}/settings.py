"""Service settings, read from the environment (and a local `.env` file).

No message shows DATABASE_URL's value: it holds a password.
"""

import ipaddress
from functools import lru_cache
from typing import Annotated, Literal, Self
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

POSTGRES_SCHEMES = ("postgresql", "postgres")
# What asyncpg does when neither the URL nor PGHOST names a host: a Unix socket, then localhost.
DEFAULT_DATABASE_ADDRESS = "the local default (Unix socket or localhost:5432)"
DEFAULT_MAX_REQUEST_BODY_BYTES = 64 * 1024
RESERVED_IN_PASSWORDS = "percent-encode '/', '?', '#' and '@' in the password (e.g. '/' as %2F)"


class Settings(BaseSettings):
    """Everything the service reads from its environment (docs/operations.md), safe by default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    database_url: SecretStr
    db_pool_min_size: int = Field(default=1, ge=0)
    db_pool_max_size: int = Field(default=10, ge=1)
    db_connect_timeout: float = Field(default=5.0, gt=0)
    db_acquire_timeout: float = Field(default=5.0, gt=0)
    db_command_timeout: float = Field(default=10.0, gt=0)
    db_pool_close_timeout: float = Field(default=10.0, gt=0)
    run_migrations: bool = True

    max_request_body_bytes: int = Field(default=DEFAULT_MAX_REQUEST_BODY_BYTES, ge=0)
    max_concurrent_requests: int = Field(default=100, ge=1)
    # Comma-separated addresses or networks whose X-Forwarded-* headers are believed.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    serve_docs: bool = False

    log_format: Literal["json", "console"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_requests: bool = True
{%- if cookiecutter.include_metrics %}
    serve_metrics: bool = True
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
{%- endif %}

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    http_header_timeout: float = Field(default=5.0, gt=0, le=60)
    http_body_timeout: float = Field(default=10.0, gt=0, le=600)

    @field_validator("database_url")
    @classmethod
    def _well_formed_postgres_url(cls, url: SecretStr) -> SecretStr:
        """Refuse a URL whose unencoded password would spill into the port, path or query."""
        scheme, separator, _rest = url.get_secret_value().partition("://")
        if not separator or scheme not in POSTGRES_SCHEMES:
            msg = "must be a postgresql:// URL"
            raise ValueError(msg)
        parts = urlsplit(url.get_secret_value())
        try:
            _ = parts.port  # reading it checks it
        except ValueError:
            msg = f"has no valid port after the host: {RESERVED_IN_PASSWORDS}"
            raise ValueError(msg) from None
        if "@" in parts.path or "@" in parts.query or parts.fragment:
            msg = f"has an '@' or '#' after the host: {RESERVED_IN_PASSWORDS}"
            raise ValueError(msg)
        return url

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            return [a for a in map(str.strip, value.split(",")) if a]
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
    def _pool_sizes_in_order(self) -> Self:
        if self.db_pool_min_size > self.db_pool_max_size:
            msg = "DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE"
            raise ValueError(msg)
        return self
{%- if cookiecutter.include_metrics %}

    @model_validator(mode="after")
    def _metrics_port_usable(self) -> Self:
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
        parts = urlsplit(self.database_url.get_secret_value())
        host = parse_qs(parts.query).get("host", [None])[0] or unquote(parts.hostname or "")
        if not host:
            return DEFAULT_DATABASE_ADDRESS
        return f"{host} (Unix socket)" if host.startswith("/") else f"{host}:{parts.port or 5432}"

    @property
    def database_password_forms(self) -> set[str]:
        """The password of DATABASE_URL as written and as decoded, to blot out of messages."""
        parts = urlsplit(self.database_url.get_secret_value())
        passwords = [parts.password, *parse_qs(parts.query).get("password", [])]
        return {form for secret in passwords if secret for form in (secret, unquote(secret))}


@lru_cache
def get_settings() -> Settings:
    """Return the settings, read once from the environment."""
    return Settings()
