"""How durations in seconds become PostgreSQL settings."""

from __future__ import annotations

import pytest

from {{ cookiecutter.__package }}.core.durations import milliseconds


@pytest.mark.parametrize(
    ("seconds", "setting"), [(10.0, "10000ms"), (0.2, "200ms"), (0.0001, "1ms")]
)
def test_durations_round_up_so_that_no_timeout_becomes_zero(seconds: float, setting: str) -> None:
    assert milliseconds(seconds) == setting
