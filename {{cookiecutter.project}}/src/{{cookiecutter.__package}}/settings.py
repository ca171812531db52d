"""Service settings, read from the environment (and a local `.env` file)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class Settings(BaseSettings):
    """Everything the service reads from its environment, with production-safe defaults."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

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

    @field_validator("database_url")
    @classmethod
    def _require_postgres_scheme(cls, url: SecretStr) -> SecretStr:
        if not url.get_secret_value().startswith(POSTGRES_SCHEMES):
            msg = "must be a postgresql:// URL"
            raise ValueError(msg)
        return url

    @model_validator(mode="after")
    def _pool_sizes_in_order(self) -> Settings:
        if self.db_pool_min_size > self.db_pool_max_size:
            msg = "DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE"
            raise ValueError(msg)
        return self


@lru_cache
def get_settings() -> Settings:
    """Return the settings, read once from the environment."""
    return Settings()
