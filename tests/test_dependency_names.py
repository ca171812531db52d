"""dependency_names.json lists what a render with every option installs: the checks refuse it."""

import json
from pathlib import Path

import pytest

from tooling.dependency_names import NAMES_FILE, dependency_names
from tooling.stdlib_names import STDLIB_FILE, every_supported_pythons_names


@pytest.mark.pipeline
def test_the_reserved_names_are_those_of_a_fresh_renders_environment(tmp_path: Path) -> None:
    listed = json.loads(NAMES_FILE.read_text(encoding="utf-8"))

    assert dependency_names(tmp_path) == listed, "run `nox -s dependency-names` to update it"


def test_the_standard_librarys_names_of_every_supported_python_here_are_reserved() -> None:
    listed = set(json.loads(STDLIB_FILE.read_text(encoding="utf-8")))
    names = every_supported_pythons_names()

    for version, modules in names.items():
        missing = set(modules) - listed
        assert not missing, f"Python {version}: run `nox -s dependency-names` ({missing})"
