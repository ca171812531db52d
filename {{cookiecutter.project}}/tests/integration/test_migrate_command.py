"""`python -m {{ cookiecutter.__package }}.migrate` applies what is pending and says so."""

from __future__ import annotations

import pytest

from {{ cookiecutter.__package }} import migrate
from {{ cookiecutter.__package }}.settings import get_settings

pytestmark = pytest.mark.anyio


@pytest.mark.usefixtures("empty_tasks_table")  # which applies the migrations first
async def test_migrate_reports_nothing_left_to_apply(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()

    applied = await migrate.migrate()
    migrate.report(applied)

    assert applied == []
    assert capsys.readouterr().out == "0 migration(s) applied\n"
