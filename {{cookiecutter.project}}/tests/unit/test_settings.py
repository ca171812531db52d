"""Settings come from the environment and refuse values the service cannot use."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ..settings import settings_for_tests

URL = "postgresql://db/tasks"
MARKER = "hunter2-marker"


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:secret@db:5432/tasks")
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "3")

    settings = settings_for_tests()

    assert settings.database_url.get_secret_value() == "postgresql://app:secret@db:5432/tasks"
    assert settings.db_pool_max_size == 3
    assert "secret" not in repr(settings)


def test_database_url_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    with pytest.raises(ValidationError, match="database_url"):
        settings_for_tests()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"mysql://admin:{MARKER}@db/tasks", "must be a postgresql:// URL"),
        (f"postgres+asyncpg://admin:{MARKER}@db/tasks", "must be a postgresql:// URL"),
        (f"postgresql://admin:{MARKER}/x@db/tasks", "percent-encode"),
        (f"postgresql://admin:{MARKER}?x@db/tasks", "percent-encode"),
        (f"postgresql://admin:{MARKER}#x@db/tasks", "percent-encode"),
        ("postgresql://admin:1234/marker@db/tasks", "percent-encode"),
        (f"postgresql://admin:{MARKER}@db:99999/tasks", "percent-encode"),
    ],
)
def test_a_bad_database_url_is_refused_without_showing_it(url: str, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_for_tests(database_url=url)

    assert problem in str(refused.value)
    assert MARKER not in str(refused.value)
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


def test_trusted_proxies_are_a_comma_separated_list_of_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.10,::1")

    proxies = settings_for_tests(database_url=URL).trusted_proxies

    assert proxies == ["10.0.0.0/8", "192.168.1.10", "::1"]


def test_a_trusted_proxy_must_be_an_address_or_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "proxy.example.com")

    with pytest.raises(ValidationError, match=r"'proxy\.example\.com' is not an IP address"):
        settings_for_tests(database_url=URL)


def test_by_default_no_proxy_is_trusted_and_no_docs_are_served() -> None:
    settings = settings_for_tests(database_url=URL)

    assert (settings.trusted_proxies, settings.serve_docs) == ([], False)

{%- if cookiecutter.include_metrics %}


def test_an_empty_metrics_port_leaves_the_metrics_on_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_PORT", "")  # as .env.example has it

    assert settings_for_tests(database_url=URL).metrics_port is None
{%- endif %}


def test_pool_minimum_cannot_exceed_maximum() -> None:
    with pytest.raises(ValidationError, match="DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE"):
        settings_for_tests(database_url=URL, db_pool_min_size=5, db_pool_max_size=2)
