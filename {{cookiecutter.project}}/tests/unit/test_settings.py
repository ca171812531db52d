"""Settings come from the environment and refuse values the service cannot use."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from {{ cookiecutter.__package }}.settings import Settings


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:secret@db:5432/tasks")
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "3")

    settings = Settings(_env_file=None)

    assert settings.database_url.get_secret_value() == "postgresql://app:secret@db:5432/tasks"
    assert settings.db_pool_max_size == 3
    assert "secret" not in repr(settings)


def test_database_url_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    with pytest.raises(ValidationError, match="database_url"):
        Settings(_env_file=None)


def test_database_url_must_be_postgresql() -> None:
    with pytest.raises(ValidationError, match=r"must be a postgresql:// URL"):
        Settings(database_url="mysql://db/tasks", _env_file=None)


def test_pool_minimum_cannot_exceed_maximum() -> None:
    with pytest.raises(ValidationError, match="DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE"):
        Settings(
            database_url="postgresql://db/tasks",
            db_pool_min_size=5,
            db_pool_max_size=2,
            _env_file=None,
        )
