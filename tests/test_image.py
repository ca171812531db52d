"""The generated Dockerfile is linted, lean and non-root, and what it installs and starts works.

No Docker engine is needed: the pipeline test installs the project the way the Dockerfile's
build stage does, then runs the image's CMD and HEALTHCHECK commands against a PostgreSQL
it starts itself.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest

from .support import dockerfile
from .support.environment import tool
from .support.image import build_and_final, fetch_json, run_like_the_image
from .support.lock import installed_versions, locked_versions
from .support.template import DEFAULT_PACKAGE, DEFAULTS, render

IMAGE_VENV = "/opt/venv"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("image"))


def test_hadolint_passes(project: Path) -> None:
    result = subprocess.run(
        [tool("hadolint"), "Dockerfile"], cwd=project, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_final_stage_copies_only_the_environment_and_runs_unprivileged(project: Path) -> None:
    build, final = build_and_final(project)
    build_env = {}
    for arguments in build.all("ENV"):
        build_env |= dockerfile.env_assignments(arguments)

    assert build_env["UV_PROJECT_ENVIRONMENT"] == IMAGE_VENV
    assert final.base == build.base
    tag, _, digest = final.base.partition("@")
    assert tag.removeprefix("python:").removesuffix("-slim") in DEFAULTS["__supported_pythons"]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), final.base
    assert final.all("COPY") == [f"--from=build {IMAGE_VENV} {IMAGE_VENV}"]
    assert dockerfile.env_assignments(final.last("ENV"))["PATH"] == f"{IMAGE_VENV}/bin:$PATH"
    user = final.last("USER")
    assert user not in {"root", "0"}
    assert f"useradd --system --uid {user} " in final.last("RUN")


def test_image_starts_the_command_the_readme_documents(project: Path) -> None:
    _build, final = build_and_final(project)
    command = dockerfile.exec_form(final.last("CMD"))
    readme = (project / "README.md").read_text(encoding="utf-8")

    assert command == ["python", "-m", DEFAULT_PACKAGE]
    assert f"\n$ {shlex.join(command)}\n" in readme


def test_healthcheck_asks_for_health_with_python_not_curl(project: Path) -> None:
    _build, final = build_and_final(project)
    check = dockerfile.healthcheck_command(final.last("HEALTHCHECK"))

    assert check[:2] == ["python", "-c"]
    # On the port the service listens on, whatever PORT says.
    assert "urlopen('http://127.0.0.1:' + os.environ['PORT'] + '/health'" in check[2]


def test_the_locked_dependencies_are_a_layer_of_their_own_before_the_source(
    project: Path,
) -> None:
    build, _final = build_and_final(project)
    steps = [(i.keyword, i.arguments) for i in build.instructions if i.keyword in {"COPY", "RUN"}]
    syncs = [arguments for keyword, arguments in steps if arguments.startswith("uv sync")]

    # What the first sync installs depends on these two files only: the layer is reused
    # until one of them changes.
    assert steps[1:3] == [("COPY", "pyproject.toml uv.lock ./"), ("RUN", syncs[0])]
    assert "--no-install-project" in syncs[0].split()
    for sync in syncs:
        assert {"--locked", "--no-default-groups"} <= set(sync.split()), sync


def test_dockerignore_lets_through_exactly_what_the_build_copies(project: Path) -> None:
    copied = [
        source
        for stage in dockerfile.stages(project / "Dockerfile")
        for arguments in stage.all("COPY")
        if not arguments.startswith("--from=")
        for source in shlex.split(arguments)[:-1]
    ]
    ignore = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()

    assert "*" in ignore
    assert sorted(line[1:] for line in ignore if line.startswith("!")) == sorted(set(copied))


@pytest.mark.pipeline
def test_image_install_command_and_healthcheck_serve_tasks(project: Path, tmp_path: Path) -> None:
    with run_like_the_image(project, tmp_path) as service:
        assert_only_runtime_dependencies(project, service.venv)
        installed, locked = installed_versions(service.venv), locked_versions(project)
        assert installed == {name: locked.get(name) for name in installed}
        healthcheck = subprocess.run(
            service.healthcheck, env=service.env, capture_output=True, text=True, check=False
        )
        assert healthcheck.returncode == 0, healthcheck.stderr
        created = fetch_json(f"{service.url}/tasks", {"title": "Ship the image"}, status=201)
        stored = fetch_json(f"{service.url}/tasks/{created['id']}", status=200)
        assert stored == created
        assert (stored["title"], stored["completed"]) == ("Ship the image", False)
    stopped = subprocess.run(
        service.healthcheck, env=service.env, capture_output=True, text=True, check=False
    )
    assert stopped.returncode != 0


def assert_only_runtime_dependencies(project: Path, venv: Path) -> None:
    """The environment has the service's dependencies and none of its development tools."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    listed = subprocess.run(
        [tool("uv"), "pip", "list", "--format=json", f"--python={venv}"],
        capture_output=True,
        text=True,
        check=True,
    )
    installed = {package["name"] for package in json.loads(listed.stdout)}
    runtime = {distribution_name(req) for req in pyproject["project"]["dependencies"]}
    tools = {
        distribution_name(req)
        for group in pyproject["dependency-groups"].values()
        for req in group
        if isinstance(req, str)
    }

    assert runtime | {pyproject["project"]["name"]} <= installed
    # A group may name a package the service needs anyway (the tests import anyio, which
    # FastAPI depends on); a tool is a group's package that nothing in the image requires.
    assert not {name for name in tools & installed if not required_by(venv, name)}


def required_by(venv: Path, name: str) -> list[str]:
    """The installed distributions that depend on `name`."""
    shown = subprocess.run(
        [tool("uv"), "pip", "show", f"--python={venv}", name],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"^Required-by:(.*)$", shown.stdout, re.MULTILINE)
    assert match, shown.stdout
    return [requirer.strip() for requirer in match[1].split(",") if requirer.strip()]


def distribution_name(requirement: str) -> str:
    """The normalised distribution name of a requirement such as `uvicorn[standard]>=0.32`."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match[0]).lower()
