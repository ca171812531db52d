"""The OpenAPI document tells the truth: Schemathesis checks the running app against it.

Schemathesis, a tool that knows nothing of this service but its OpenAPI document,
generates requests from the document, valid ones and invalid ones, sends them to the app
running on PostgreSQL and runs all its checks on every answer: each status, header and
body is documented, valid input is accepted and invalid input refused with a 4xx, nothing
answers 5xx, a method a path does not serve gets a 405 with `Allow`. Then it follows the
document's links (create a task, then read, change and delete it) in random sequences.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import asyncpg
import schemathesis
from hypothesis import settings

from {{ cookiecutter.__package }}.main import app

from .tables import migrated_and_empty

# The app as it runs, on the test database (conftest.py); Schemathesis sends it requests
# in-process, and starts its lifespan with the first one.
schema = schemathesis.openapi.from_dict(app.openapi())
schema.app = app

# Each example is a request through the whole app, and each sequence up to 10 of them
# (create, read, change, delete take four): a quarter and a tenth of the profile's
# examples (25 and 10 by default, conftest.py) keep the suite quick;
# HYPOTHESIS_PROFILE=thorough searches twenty times longer.
PROFILE_EXAMPLES = settings().max_examples
REQUESTS = settings(max_examples=max(PROFILE_EXAMPLES // 4, 1))
SEQUENCES = settings(max_examples=max(PROFILE_EXAMPLES // 10, 1), stateful_step_count=10)


@schema.parametrize()
@REQUESTS
def test_every_operation_answers_as_documented(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


async def reset_the_tables() -> None:
    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        await migrated_and_empty(connection)
    finally:
        await connection.close()


# Schemathesis builds the state machine's class from the document, at run time.
class TaskWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """Sequences of calls along the links, each on an empty table.

    Links feed ids from responses into later requests; starting every sequence from the
    same state keeps those ids, and so what Hypothesis generates, the same on a replay.
    """

    def setup(self) -> None:
        asyncio.run(reset_the_tables())


TestSequencesOfCallsAlongTheLinks = TaskWorkflow.TestCase
TestSequencesOfCallsAlongTheLinks.settings = SEQUENCES
