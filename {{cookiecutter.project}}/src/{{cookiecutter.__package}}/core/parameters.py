"""Path and query parameters every resource takes: ids and paging, in plain decimal only."""

import re
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

# Ids and OFFSET are PostgreSQL bigints.
MAX_ID = 2**63 - 1
MAX_PAGE_SIZE = 100
PLAIN_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def _plain_decimal(value: object) -> object:
    """Refuse numbers not in plain decimal: int() reads `01` or `+1`, a second URL for a row."""
    if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value):
        raise PydanticCustomError(
            "plain_decimal",
            "must be a whole number in plain decimal digits: no sign, leading zero or separator",
        )
    return value


# After the Path() or Query() in an Annotated, or FastAPI documents their bounds wrongly.
PLAIN_DECIMAL_ONLY = BeforeValidator(_plain_decimal)
PageSize = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size."), PLAIN_DECIMAL_ONLY
]
PageOffset = Annotated[int, Query(ge=0, le=MAX_ID, description="Rows to skip."), PLAIN_DECIMAL_ONLY]
