"""dependency_names.json lists what a fresh render installs, so the checks refuse the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .support.dependency_names import NAMES_FILE, dependency_names


@pytest.mark.pipeline
def test_the_reserved_names_are_those_of_a_fresh_renders_environment(tmp_path: Path) -> None:
    listed = json.loads(NAMES_FILE.read_text(encoding="utf-8"))

    assert dependency_names(tmp_path) == listed, "run `nox -s dependency-names` to update it"
