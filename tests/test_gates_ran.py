"""A bare `nox` that could not run every gate fails, and says why in one line.

Locally an absent Python of the matrix is skipped; when every one is absent, nothing
would run and nox would exit 0. The render says so when it is made, and the generated
`verdict` session fails the run.
"""

import itertools
import os
import sys
from pathlib import Path

import pytest

from tooling.nox_runs import pipeline_order, run_nox
from tooling.template import SUPPORTED_PYTHONS, render_cli

pytestmark = pytest.mark.pipeline

RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
NO_PYTHON_LINE = "no Python of this project ({}) is installed here"


def only_the_running_python(tmp_path: Path) -> dict[str, str]:
    """An environment in which this test's Python is the only one nox or uv can find.

    PATH keeps this Python's folder and the system's, and hides pyenv's and uv's Pythons.
    """
    empty = tmp_path / "no-pythons"
    empty.mkdir()
    path = [str(Path(sys.executable).parent), "/usr/bin", "/bin"]
    return {
        "PATH": os.pathsep.join(path),
        "PYENV_ROOT": str(empty),
        "UV_PYTHON_INSTALL_DIR": str(empty),
        "UV_PYTHON_DOWNLOADS": "never",
    }


def test_without_a_python_of_the_matrix_the_render_says_so_and_nox_fails(tmp_path: Path) -> None:
    assert RUNNING in SUPPORTED_PYTHONS[:-1], "run the template's tests on an older Python"
    python_min = SUPPORTED_PYTHONS[SUPPORTED_PYTHONS.index(RUNNING) + 1]
    matrix = SUPPORTED_PYTHONS[SUPPORTED_PYTHONS.index(python_min) :]
    hidden = only_the_running_python(tmp_path)
    for folder, version in itertools.product(("/usr/bin", "/bin"), matrix):
        assert not Path(folder, f"python{version}").exists(), "a hidden Python is not hidden"

    rendered = render_cli(tmp_path, env=hidden, python_min=python_min)

    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    [warning] = [line for line in rendered.stdout.splitlines() if "is installed here" in line]
    assert NO_PYTHON_LINE.format(", ".join(matrix)) in warning
    project = tmp_path / "task-service"

    run = run_nox(project, env=hidden)

    assert run.returncode != 0, run.output
    order = pipeline_order(python_min)
    assert run.sessions == dict.fromkeys(order[:-1], "skipped") | {"verdict": "aborted"}
    assert (
        "Session verdict aborted: lint, coverage, unit, integration did not run: install a Python "
        f"of {', '.join(matrix)}"
    ) in run.output
    assert f"Tested on Python none; not tested: {', '.join(matrix)}" in run.output
