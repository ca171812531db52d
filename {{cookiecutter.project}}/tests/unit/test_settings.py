"""Settings come from the environment and refuse values the service cannot use."""

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from {{ cookiecutter.__package }}.settings import Settings

from ..settings import settings_for_tests

MARKER = "hunter2-marker"
URL = "postgresql://app:secret@db:5432/tasks"


def settings_from(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str | None]) -> Settings:
    """Settings read from a DATABASE_URL and these variables (None unsets one)."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/tasks")
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    return settings_for_tests()


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (
            {"DATABASE_URL": URL, "DB_POOL_MAX_SIZE": "3"},
            {"database_url": SecretStr(URL), "db_pool_max_size": 3},
        ),
        (
            {"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.10,::1"},
            {"trusted_proxies": ["10.0.0.0/8", "192.168.1.10", "::1"]},
        ),
        ({}, {"trusted_proxies": [], "serve_docs": False}),
{%- if cookiecutter.include_metrics %}
        ({"METRICS_PORT": ""}, {"metrics_port": None}),  # as .env.example has it
{%- endif %}
    ],
)
def test_settings_read_the_environment(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str | None], expected: dict[str, Any]
) -> None:
    settings = settings_from(monkeypatch, environment)
    assert {name: getattr(settings, name) for name in expected} == expected
    assert "secret" not in repr(settings)


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({"DATABASE_URL": None}, "database_url"),
        ({"DATABASE_URL": f"mysql://admin:{MARKER}@db/tasks"}, "must be a postgresql:// URL"),
        (
            {"DATABASE_URL": f"postgres+asyncpg://admin:{MARKER}@db/tasks"},
            "must be a postgresql:// URL",
        ),
        ({"DATABASE_URL": f"postgresql://admin:{MARKER}/x@db/tasks"}, "percent-encode"),
        ({"DATABASE_URL": f"postgresql://admin:1234?{MARKER}@db/tasks"}, "'@' or '#' after"),
        ({"DATABASE_URL": f"postgresql://admin:1234#{MARKER}@db/tasks"}, "'@' or '#' after"),
        ({"DATABASE_URL": "postgresql://admin:1234/marker@db/tasks"}, "'@' or '#' after"),
        ({"DATABASE_URL": f"postgresql://admin:{MARKER}@db:99999/tasks"}, "percent-encode"),
        ({"TRUSTED_PROXIES": "proxy.example.com"}, "'proxy.example.com' is not an IP address"),
        (
            {"DB_POOL_MIN_SIZE": "5", "DB_POOL_MAX_SIZE": "2"},
            "DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE",
        ),
    ],
)
def test_a_value_the_service_cannot_use_is_refused_without_showing_a_password(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str | None], refusal: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_from(monkeypatch, environment)
    assert refusal in str(refused.value)
    assert "marker" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("postgresql://app:secret@db.example.com/tasks", "db.example.com:5432"),
        ("postgres://app:s%2Fcret@10.0.0.5:6543/tasks", "10.0.0.5:6543"),
        ("postgresql://app@[::1]:5433/tasks", "::1:5433"),
        ("postgresql:///tasks?host=/run/postgresql", "/run/postgresql (Unix socket)"),
        ("postgresql:///tasks", "the local default (Unix socket or localhost:5432)"),
    ],
)
def test_messages_name_the_database_by_its_address(url: str, address: str) -> None:
    assert settings_for_tests(database_url=url).database_address == address


def test_the_password_is_known_in_every_form_it_may_be_printed_in() -> None:
    settings = settings_for_tests(database_url="postgresql://app:s%2Fcret@db/tasks")
    assert settings.database_password_forms == {"s%2Fcret", "s/cret"}
