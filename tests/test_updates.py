"""A project rendered at one commit of the template takes in a later commit with cruft."""

import json
import subprocess
from pathlib import Path

import pytest

from tooling.environment import COMMAND_TIMEOUT, environment, tool
from tooling.nox_runs import run_nox
from tooling.pythons import installed_pythons
from tooling.template import SUPPORTED_PYTHONS, cookiecutter_command
from tooling.template_history import (
    commit_all,
    cruft,
    edit,
    git,
    start_repository,
    template_repository,
)

README = "{{cookiecutter.project}}/README.md"
PYPROJECT = "{{cookiecutter.project}}/pyproject.toml"
# A line of the generated README, and of its pyproject.toml, that the changes below touch.
INTRODUCTION = "It reaches its database through an asyncpg pool, and its quality gates are"
INTRODUCTION_CHANGED = INTRODUCTION.replace(", and", "; and")
INVOKE_REQUIREMENT = '"invoke>=2.2",'
# Where a rendering from the test's template claims to come from; git fetches it from the
# local history instead (GIT_CONFIG_* below), as there is no network here.
PUBLIC_URL = "https://git.example.invalid/acme/cookiecutter-fastapi-nox.git"


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return template_repository(tmp_path / "template")


def created_with_cruft(template: Path, output_dir: Path) -> Path:
    """Render the template's current commit with `cruft create`, then commit the project."""
    created = cruft(
        output_dir.parent, "create", "--no-input", f"--output-dir={output_dir}", str(template)
    )
    assert created.returncode == 0, created.stdout + created.stderr
    project = output_dir / "task-service"
    start_repository(project, "Start from the template")
    return project


def recorded_commit(project: Path) -> str:
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    commit: str = state["commit"]
    assert state["context"]["cookiecutter"]["_commit"] == commit
    return commit


def update(project: Path, env: dict[str, str] | None = None) -> str:
    """`cruft update` without asking, as the README says; return what it printed."""
    updated = cruft(project, "update", "--skip-apply-ask", env=env)
    printed = updated.stdout + updated.stderr
    assert updated.returncode == 0, printed
    # cruft runs the hooks in the renders it compares: the next steps of a new project
    # would be wrong there.
    assert "Next steps" not in printed
    return printed


def assert_no_difference_from_the_template(project: Path) -> None:
    diff = cruft(project, "diff", "--exit-code")
    assert (diff.returncode, diff.stdout) == (0, ""), diff.stdout + diff.stderr


@pytest.mark.pipeline
def test_an_update_applies_the_template_change_and_the_gates_pass_once_relocked(
    template: Path, tmp_path: Path
) -> None:
    project = created_with_cruft(template, tmp_path / "projects")
    edit(template, README, INTRODUCTION, INTRODUCTION_CHANGED)
    edit(template, PYPROJECT, INVOKE_REQUIREMENT, INVOKE_REQUIREMENT.replace("2.2", "2.2.1"))
    change = commit_all(template, "Change the README and a dependency")

    update(project)

    assert INTRODUCTION_CHANGED in (project / "README.md").read_text("utf-8")
    assert recorded_commit(project) == change
    assert_no_difference_from_the_template(project)
    # The update leaves uv.lock alone: the first gate says, in one line, what to run.
    stale = run_nox(project)
    assert stale.sessions == {"lint": "failed"}, stale.output
    assert "To update the lockfile, run `uv lock`." in stale.output
    relocked = subprocess.run(
        [tool("uv"), "lock", "--quiet"],
        cwd=project,
        env=environment(without={"VIRTUAL_ENV", "UV_PYTHON"}),
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )
    assert relocked.returncode == 0, relocked.stderr
    python = installed_pythons()[0]
    gates = ["lint", f"unit-{python}", f"integration-{python}", "coverage"]
    green = run_nox(project, "--sessions", *gates)
    assert green.sessions == dict.fromkeys(gates, "success"), green.output


def test_a_local_change_where_the_template_changed_too_is_left_as_a_conflict(
    template: Path, tmp_path: Path
) -> None:
    project = created_with_cruft(template, tmp_path / "projects")
    ours = "It keeps its tasks in PostgreSQL, and its quality gates are"
    edit(project, "README.md", INTRODUCTION, ours)
    commit_all(project, "Say it our way")
    edit(template, README, INTRODUCTION, INTRODUCTION_CHANGED)
    commit_all(template, "Say it the template's way")

    printed = update(project)

    assert "Applied patch to 'README.md' with conflicts." in printed
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert f"<<<<<<< ours\n{ours}\n=======\n{INTRODUCTION_CHANGED}\n>>>>>>> theirs\n" in readme
    assert "UU README.md" in git(project, "status", "--porcelain").splitlines()


def test_an_update_is_checked_by_the_rules_of_the_commit_it_renders(
    template: Path, tmp_path: Path
) -> None:
    """cruft renders both commits in one process; the later one supports one Python more."""
    project = created_with_cruft(template, tmp_path / "projects")
    supported = " ".join(SUPPORTED_PYTHONS)
    newest = int(SUPPORTED_PYTHONS[-1].split(".")[1])
    edit(template, "cookiecutter.json", f'"{supported}"', f'"{supported} 3.{newest + 1}"')
    commit_all(template, "Support the next Python")

    update(project)

    noxfile = (project / "noxfile.py").read_text(encoding="utf-8")
    assert f'"{SUPPORTED_PYTHONS[-1]}", "3.{newest + 1}"]' in noxfile


def test_a_project_rendered_by_cookiecutter_alone_updates_from_its_public_source(
    template: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(template), str(clone))
    git(clone, "remote", "set-url", "origin", PUBLIC_URL)
    rendered = cookiecutter_command(
        "--no-input", f"--output-dir={tmp_path / 'projects'}", str(clone), cwd=tmp_path
    )
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    project = tmp_path / "projects" / "task-service"
    state = (project / ".cruft.json").read_text(encoding="utf-8")
    assert json.loads(state)["template"] == PUBLIC_URL
    assert recorded_commit(project) == git(template, "rev-parse", "HEAD")
    assert str(tmp_path) not in state
    start_repository(project, "Start from the template")
    edit(template, README, INTRODUCTION, INTRODUCTION_CHANGED)
    change = commit_all(template, "Change the README")

    update(project, env=fetch_from(template))

    assert INTRODUCTION_CHANGED in (project / "README.md").read_text("utf-8")
    assert recorded_commit(project) == change


def fetch_from(template: Path) -> dict[str, str]:
    """Git configuration, as environment variables, that fetches PUBLIC_URL from `template`."""
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{template}.insteadOf",
        "GIT_CONFIG_VALUE_0": PUBLIC_URL,
    }


@pytest.mark.pipeline
def test_the_projects_own_cruft_updates_at_its_prompt(template: Path, tmp_path: Path) -> None:
    """The README's command, answered as a person would: view the changes, then apply them."""
    project = created_with_cruft(template, tmp_path / "projects")
    edit(template, README, INTRODUCTION, INTRODUCTION_CHANGED)
    commit_all(template, "Change the README")

    updated = subprocess.run(
        [tool("uv"), "run", "--locked", "--only-group=update", "cruft", "update"],
        cwd=project,
        input="v\ny\n",
        env=environment(without={"VIRTUAL_ENV", "UV_PYTHON", "UV_PROJECT_ENVIRONMENT"}),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "Traceback" not in updated.stdout + updated.stderr
    assert INTRODUCTION_CHANGED in (project / "README.md").read_text("utf-8")
