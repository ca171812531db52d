"""Run a rendered service the way its container image does, without a Docker engine.

The Dockerfile's build stage is replayed into a virtual environment, a throwaway
PostgreSQL is started, and the image's CMD runs against it. Shared by the image test
(tests/test_image.py) and the service benchmark (bench/service.py).
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sysconfig
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import dockerfile
from .environment import COMMAND_TIMEOUT, environment, tool
from .network import free_port
from .postgres import throwaway_postgres

STARTUP_TIMEOUT = 60
RUN_MOUNT = re.compile(r"^(--mount=\S+\s+)+")


@dataclass(frozen=True)
class RunningService:
    """The image's CMD, running against its own PostgreSQL."""

    url: str
    process: subprocess.Popen[bytes]
    healthcheck: list[str]
    # Where the image's commands run: its environment's bin first on PATH, no DATABASE_URL.
    env: dict[str, str]
    venv: Path


def build_and_final(project: Path) -> tuple[dockerfile.Stage, dockerfile.Stage]:
    """The Dockerfile's `build` stage and its final (image) stage."""
    stages = dockerfile.stages(project / "Dockerfile")
    (build,) = [stage for stage in stages if stage.name == "build"]
    return build, stages[-1]


@dataclass(frozen=True)
class OtherApp:
    """An ASGI app to serve in the service's place, with the image's environment.

    `launcher` is a script run with the app (`module:attribute`) as its argument, with
    the script's folder on PYTHONPATH; `requirements` are installed beside the project.
    """

    app: str
    launcher: Path
    requirements: tuple[str, ...] = ()


@contextmanager
def run_like_the_image(
    project: Path,
    workdir: Path,
    python: str | None = None,
    settings: dict[str, str] | None = None,
    other_app: OtherApp | None = None,
) -> Iterator[RunningService]:
    """Install the project as the build stage does and run the image's CMD until the block ends.

    The service runs with the final stage's environment, but listens on a free port
    instead of the image's fixed one (another test or program may hold that), with the
    HEALTHCHECK command aimed at the same port, and a throwaway PostgreSQL as its
    DATABASE_URL. Its output goes to `workdir/service.log`. `python` is as in
    install_like_the_build_stage; `settings` are more environment variables for it;
    `other_app`, when given, runs instead of the CMD (the benchmark's peers).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    venv = workdir / "venv"
    build, final = build_and_final(project)
    install_like_the_build_stage(build, project, workdir / "build", venv, python)
    command = dockerfile.exec_form(final.last("CMD"))
    settings = dict(settings or {})
    if other_app is not None:
        install_beside(venv, other_app.requirements)
        command = ["python", str(other_app.launcher), other_app.app]
        settings["PYTHONPATH"] = str(other_app.launcher.parent)
    check = dockerfile.healthcheck_command(final.last("HEALTHCHECK"))
    image_env: dict[str, str] = {}
    for arguments in final.all("ENV"):
        image_env |= dockerfile.env_assignments(arguments)
    port = free_port()
    check = [word.replace(f":{image_env['PORT']}/", f":{port}/") for word in check]
    env = environment(without={"DATABASE_URL"})
    env |= {key: value for key, value in image_env.items() if key != "PATH"}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["PORT"] = str(port)
    log = workdir / "service.log"
    with throwaway_postgres() as postgres:
        service_env = {**env, **settings, "DATABASE_URL": postgres.get_uri()}
        with running(command, service_env, log) as process:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(f"{url}/health", process, log)
            yield RunningService(url, process, check, env, venv)


def install_like_the_build_stage(
    build: dockerfile.Stage, project: Path, workdir: Path, venv: Path, python: str | None = None
) -> None:
    """Run the build stage's COPY and RUN instructions in `workdir`, installing into `venv`.

    Differences from the image: the environment is `venv`, not /opt/venv; its interpreter
    stands in for the base image's: `python` (a version such as "3.13", or a path) when
    given, else the first `python` on PATH, this test run's; uv is the test tools' own.
    Like the image build, the steps see no outer virtual environment and no uv settings
    (nox sets UV_PYTHON and UV_PROJECT_ENVIRONMENT for its sessions) but the Dockerfile's.
    """
    here = {"UV_PROJECT_ENVIRONMENT": str(venv)} | ({"UV_PYTHON": python} if python else {})
    env = environment(without={"VIRTUAL_ENV", "CONDA_PREFIX"}, without_prefixes=("UV_",))
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
            # Build secrets and caches are the engine's: here the host's own are at hand.
            command = RUN_MOUNT.sub("", arguments)
            result = subprocess.run(
                ["sh", "-c", command],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT,
            )
            assert result.returncode == 0, f"RUN {arguments}\n{result.stdout}{result.stderr}"


def install_beside(venv: Path, requirements: tuple[str, ...]) -> None:
    """Install more requirements into an environment the build stage made."""
    if requirements:
        subprocess.run(
            [tool("uv"), "pip", "install", "--quiet", "--python", str(venv), *requirements],
            check=True,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
        )


def copy_into(source: Path, folder: Path) -> None:
    """Copy a file or a folder's contents into a folder, as COPY does."""
    if source.is_dir():
        shutil.copytree(source, folder, dirs_exist_ok=True)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, folder)


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
