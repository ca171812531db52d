"""Durations written as PostgreSQL's settings take them, such as `statement_timeout`."""

import math


def milliseconds(seconds: float) -> str:
    """A PostgreSQL duration setting, rounded up: 0 would switch a timeout off."""
    return f"{math.ceil(seconds * 1000)}ms"
