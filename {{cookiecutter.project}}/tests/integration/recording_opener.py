"""Open the app's database as its lifespan does, and keep what was opened for the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from {{ cookiecutter.__package }}.core.database import Database, open_database
from {{ cookiecutter.__package }}.settings import Settings


class RecordingOpener:
    """Opens databases as the app does (`create_app(database=...)`) and keeps each one."""

    def __init__(self) -> None:
        self.opened: list[Database] = []

    @asynccontextmanager
    async def __call__(self, settings: Settings) -> AsyncIterator[Database]:
        async with open_database(settings) as database:
            self.opened.append(database)
            yield database
