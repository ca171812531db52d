"""`python -m {{ cookiecutter.__package }} migrate` applies what is pending and says so."""

import anyio
import pytest

from {{ cookiecutter.__package }}.core import cli

pytestmark = pytest.mark.anyio


@pytest.mark.usefixtures("empty_tables")  # which applies the migrations first
async def test_migrate_reports_nothing_left_to_apply(capsys: pytest.CaptureFixture[str]) -> None:
    await anyio.to_thread.run_sync(cli.main, ["migrate"])  # in a thread: it runs its own loop

    assert capsys.readouterr().out == "0 migration(s) applied\n"
