"""The OpenAPI document tells the truth: Schemathesis checks the app on PostgreSQL against it."""

import asyncio
import os
from typing import Any

import schemathesis
from hypothesis import settings

from {{ cookiecutter.__package }}.asgi import app

from .app_client import migrated_and_empty

# The app on the test database, called in-process; its first request starts its lifespan.
schema = schemathesis.openapi.from_dict(app.openapi())
schema.app = app

# A quarter and a tenth of the profile's examples (conftest.py): a sequence sends up to 10 requests.
PROFILE_EXAMPLES = settings().max_examples
REQUESTS = settings(max_examples=max(PROFILE_EXAMPLES // 4, 1))
SEQUENCES = settings(max_examples=max(PROFILE_EXAMPLES // 10, 1), stateful_step_count=10)


@schema.parametrize()
@REQUESTS
def test_every_operation_answers_as_documented(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


# Schemathesis builds the state machine's class from the document, at run time.
class TaskWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """Sequences of calls along the links, each from empty tables: a replay sees the same ids."""

    def setup(self) -> None:
        asyncio.run(migrated_and_empty(os.environ["DATABASE_URL"]))


TestSequencesOfCallsAlongTheLinks = TaskWorkflow.TestCase
TestSequencesOfCallsAlongTheLinks.settings = SEQUENCES
