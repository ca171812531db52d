"""The standard library's module names on every supported Python, for answers.py's check.

The Python that runs cookiecutter is one of several the project supports: `telnetlib` is
a module of 3.11's standard library and not of 3.13's, `annotationlib` one of 3.14's
alone. `nox -s dependency-names` writes the union of `sys.stdlib_module_names` of each
supported Python installed here, and, for one that is not, the new modules its What's New
lists, to stdlib_module_names.json; tests/test_dependency_names.py checks the file.
"""

import json
import shutil
import subprocess

from .environment import COMMAND_TIMEOUT
from .template import SUPPORTED_PYTHONS, TEMPLATE

STDLIB_FILE = TEMPLATE / "stdlib_module_names.json"
LIST_NAMES = "import json, sys; print(json.dumps(sorted(sys.stdlib_module_names)))"
# The top-level modules a Python adds, from its What's New ("New modules"), for a
# supported Python not installed where the file is written.
NEW_MODULES = {"3.14": ["annotationlib", "compression"]}


def stdlib_names(version: str) -> list[str] | None:
    """The standard library's module names of that Python, or None if it is not installed."""
    python = shutil.which(f"python{version}")
    if python is None:
        return None
    listed = subprocess.run(
        [python, "-c", LIST_NAMES],
        capture_output=True,
        text=True,
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    names: list[str] = json.loads(listed.stdout)
    return names


def every_supported_pythons_names() -> dict[str, list[str]]:
    """Each supported Python's names: listed by it if installed, else from NEW_MODULES."""
    found = {}
    for version in SUPPORTED_PYTHONS:
        names = stdlib_names(version)
        found[version] = names if names is not None else NEW_MODULES.get(version, [])
    return found


def write() -> None:
    """Write the union to stdlib_module_names.json."""
    union = sorted(set().union(*every_supported_pythons_names().values()))
    STDLIB_FILE.write_text(json.dumps(union, indent=0) + "\n", encoding="utf-8")
