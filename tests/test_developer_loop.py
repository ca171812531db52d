"""The developer's loop in a render: one test at a time, `nox -s fix`, git hooks."""

import os
import subprocess
from pathlib import Path

import pytest

from tooling.environment import environment, tool
from tooling.junit import case_names
from tooling.nox_runs import run_nox
from tooling.pythons import installed_pythons
from tooling.template import DEFAULT_PACKAGE, render
from tooling.template_history import GIT_IDENTITY, git, start_repository

pytestmark = pytest.mark.pipeline

PYTHON = installed_pythons()[0]
ONE_TEST = "tests/unit/test_health.py::test_health_answers_without_a_database"
UNUSED_IMPORT = "import os\n"


def test_a_node_id_runs_that_test_alone_and_one_that_matches_nothing_fails(
    tmp_path: Path,
) -> None:
    project = render(tmp_path, python_min=PYTHON)
    results = project / "test-results" / f"unit-{PYTHON}.xml"

    narrowed = run_nox(project, f"--session=unit-{PYTHON}", "--", ONE_TEST)
    misspelt = run_nox(
        project, "--reuse-venv=yes", f"--session=unit-{PYTHON}", "--", f"{ONE_TEST}x"
    )

    assert narrowed.sessions == {f"unit-{PYTHON}": "success"}, narrowed.output
    assert misspelt.sessions == {f"unit-{PYTHON}": "failed"}, misspelt.output
    assert "ERROR: not found" in misspelt.output
    narrowed_again = run_nox(
        project, "--reuse-venv=yes", f"--session=unit-{PYTHON}", "--", ONE_TEST
    )
    assert narrowed_again.returncode == 0, narrowed_again.output
    assert case_names(results) == [ONE_TEST.rpartition("::")[2]]


def test_fix_applies_ruffs_fixes_and_formatting(tmp_path: Path) -> None:
    project = render(tmp_path, python_min=PYTHON)
    models = project / "src" / DEFAULT_PACKAGE / "tasks" / "schemas.py"
    original = models.read_text(encoding="utf-8")
    models.write_text(UNUSED_IMPORT + original.replace(" = ", "  =  ", 1), encoding="utf-8")

    # A line too long that only the formatter can fix: ruff check reports it until format runs.
    added = models.with_name("added.py")
    numbers = ", ".join(map(str, range(40)))
    added.write_text(f'"""Numbers."""\n\nNUMBERS = [{numbers}]\n', encoding="utf-8")

    fixed = run_nox(project, "--session=fix")

    assert fixed.sessions == {"fix": "success"}, fixed.output
    assert models.read_text(encoding="utf-8") == original
    assert max(map(len, added.read_text(encoding="utf-8").splitlines())) <= 100
    assert "E501" not in fixed.output  # nor reported on the way: formatting fixed it
    # What nothing can fix fails the session.
    added.write_text('"""Broken."""\n\nUNDEFINED = undefined_name\n', encoding="utf-8")
    unfixable = run_nox(project, "--session=fix")
    assert unfixable.sessions == {"fix": "failed"}, unfixable.output
    assert "F821" in unfixable.output


def test_the_git_hooks_refuse_a_lint_error_and_let_a_clean_commit_through(
    tmp_path: Path,
) -> None:
    project = render(tmp_path, python_min=PYTHON)
    start_repository(project, "Start from the template")
    # uv on PATH, as a developer has it: the hooks call it.
    uv = tool("uv")
    uv_env = environment(without={"VIRTUAL_ENV", "UV_PYTHON", "UV_PROJECT_ENVIRONMENT"})
    uv_env["PATH"] = f"{Path(uv).parent}{os.pathsep}{uv_env['PATH']}"
    installed = subprocess.run(
        [uv, "run", "prek", "install"],
        cwd=project,
        env=uv_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    models = project / "src" / DEFAULT_PACKAGE / "tasks" / "schemas.py"

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        git(project, "add", "-A")
        return subprocess.run(
            ["git", "commit", "-m", message],
            cwd=project,
            env=uv_env | GIT_IDENTITY,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    models.write_text(UNUSED_IMPORT + models.read_text(encoding="utf-8"), encoding="utf-8")
    refused = commit("Import what nothing uses")
    models.write_text(models.read_text(encoding="utf-8").removeprefix(UNUSED_IMPORT), "utf-8")
    (project / "NOTES.md").write_text("A clean change.\n", encoding="utf-8")
    accepted = commit("Add notes")

    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "F401" in refused.stdout + refused.stderr
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
