"""The generated Dockerfile is linted, lean and non-root, and the image it builds works.

The pipeline tests build the image with Podman and run the render's own image gate
(`nox -s image`) on it: on the real base images where a registry answers
(`IMAGE_BASES=registry`), else on a stand-in (tooling/podman.py says why).
"""

import hashlib
import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest

from tooling import dockerfile
from tooling.documentation import page
from tooling.environment import COMMAND_TIMEOUT, tool
from tooling.image import build_and_final
from tooling.junit import case_names
from tooling.lock import locked_versions
from tooling.nox_runs import commands_in_sessions, run_nox
from tooling.podman import (
    REGISTRY,
    bases_mode,
    containers_of,
    podman,
    podman_environment,
    push_to_a_registry,
    require_podman,
    run_image_gate,
)
from tooling.template import DEFAULT_PACKAGE, DEFAULTS, render

IMAGE_VENV = "/opt/venv"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("image"))


def test_hadolint_passes(project: Path) -> None:
    result = subprocess.run(
        [tool("hadolint"), "Dockerfile"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_final_stage_copies_only_the_environment_and_runs_unprivileged(project: Path) -> None:
    build, final = build_and_final(project)
    build_env: dict[str, str] = {}
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


def test_image_starts_the_command_the_operations_page_documents(project: Path) -> None:
    _build, final = build_and_final(project)
    command = dockerfile.exec_form(final.last("CMD"))
    operations = page(project, "docs/operations.md")

    assert command == ["python", "-m", DEFAULT_PACKAGE]
    assert f"\n$ {shlex.join(command)}\n" in operations


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
    syncs = [arguments for keyword, arguments in steps if "uv sync " in arguments]

    # What the first sync installs depends on these two files only: the layer is reused
    # until one of them changes.
    assert steps[1:3] == [("COPY", "pyproject.toml uv.lock ./"), ("RUN", syncs[0])]
    assert "--no-install-project" in syncs[0].split()
    for sync in syncs:
        assert {"--locked", "--no-default-groups"} <= set(sync.partition("uv sync ")[2].split())


def test_every_download_can_trust_the_ca_certificates_secret(project: Path) -> None:
    downloads = [
        arguments
        for stage in dockerfile.stages(project / "Dockerfile")
        for arguments in stage.all("RUN")
        if "pip install " in arguments or "uv sync " in arguments
    ]

    assert len(downloads) == 3
    for arguments in downloads:
        assert arguments.startswith("--mount=type=secret,id=ca-certificates,"), arguments


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


# The tests of a render's tests/image, which its `nox -s image` runs on the built image.
IMAGE_TESTS = [
    "test_health_and_readiness",
    "test_a_task_created_is_read_back",
    "test_the_healthcheck_passes_on_the_port_the_service_listens_on",
    "test_runs_as_an_unprivileged_user",
    "test_only_tmp_is_writable",
    "test_bad_settings_stop_it_in_one_line",
    "test_sigterm_stops_it_cleanly",
]
TESTED_IMAGE = re.compile(r"Tested image (?P<id>sha256:[0-9a-f]{64})")
BUILT_IMAGE = re.compile(r"Built image (?P<id>sha256:[0-9a-f]{64})")
# What the image's Python has installed: each distribution's version and requirements.
LIST_DISTRIBUTIONS = (
    "import json, importlib.metadata as m; "
    "print(json.dumps({d.name: [d.version, d.requires or []] for d in m.distributions()}))"
)


@pytest.mark.pipeline
def test_an_unknown_base_image_mode_stops_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGE_BASES", "docker-hub")

    with pytest.raises(pytest.fail.Exception, match="IMAGE_BASES='docker-hub': expected one of"):
        bases_mode()


@pytest.mark.image
@pytest.mark.parametrize("answers", [{}, {"include_kubernetes": "yes"}], ids=["default", "k8s"])
def test_the_image_gate_builds_the_image_and_tests_it_running(
    answers: dict[str, str], tmp_path: Path
) -> None:
    require_podman()
    project = render(tmp_path, **answers)

    archive = tmp_path / "image.tar"

    run = run_image_gate(project, env={"IMAGE_ARCHIVE": str(archive)})

    assert run.returncode == 0, run.output
    assert case_names(project / "test-results" / "image.xml") == IMAGE_TESTS
    tested = TESTED_IMAGE.search(run.output)
    assert tested, run.output
    assert containers_of(tested["id"]) == []
    assert_only_locked_runtime_dependencies(project, tested["id"])
    # What CI's push job then does with the archive: the registry gets the tested image.
    pushed = push_to_a_registry(
        project, archive, tested["id"], [f"{project.name}:{t}" for t in ("sha", "latest")]
    )
    assert pushed.run.returncode == 0, pushed.run.output
    assert pushed.outputs["name"] == f"{REGISTRY}/{project.name}"
    assert pushed.outputs["digest"] == f"sha256:{hashlib.sha256(pushed.manifest).hexdigest()}"
    assert json.loads(pushed.manifest)["config"]["digest"] == tested["id"]


BROKEN_IMAGES = {
    "runs-as-root": ("USER 10001\n", "", "the image runs as root"),
    "healthcheck-on-8000": (
        "os.environ['PORT']",
        "'8000'",
        "the HEALTHCHECK fails with PORT=",
    ),
    "crashing-command": (
        f'CMD ["python", "-m", "{DEFAULT_PACKAGE}"]',
        'CMD ["python", "-c", "raise SystemExit(3)"]',
        "ContainerExitedError: exit status 3",
    ),
}


@pytest.mark.pipeline
@pytest.mark.image
@pytest.mark.parametrize(("old", "new", "message"), BROKEN_IMAGES.values(), ids=BROKEN_IMAGES)
def test_the_image_gate_fails_on_a_broken_image(
    old: str, new: str, message: str, tmp_path: Path
) -> None:
    require_podman()
    project = render(tmp_path)
    dockerfile_path = project / "Dockerfile"
    text = dockerfile_path.read_text(encoding="utf-8")
    assert old in text
    dockerfile_path.write_text(text.replace(old, new), encoding="utf-8")

    run = run_image_gate(project)

    assert run.returncode != 0
    assert run.sessions == {"image": "failed"}
    assert message in run.output, run.output
    assert not TESTED_IMAGE.search(run.output)
    built = BUILT_IMAGE.search(run.output)
    assert built, run.output
    assert containers_of(built["id"]) == []


@pytest.mark.pipeline
@pytest.mark.image
def test_push_refuses_an_archive_that_does_not_hold_the_tested_image(tmp_path: Path) -> None:
    require_podman()
    project = render(tmp_path / "render")
    (tmp_path / "empty.tar").write_bytes(bytes(1024))  # an empty tar archive
    other = f"localhost/push-test:{tmp_path.name}"
    other_id = podman("import", "--quiet", str(tmp_path / "empty.tar"), other).stdout.strip()
    archive = tmp_path / "image.tar"
    try:
        podman("save", f"--output={archive}", other)
    finally:
        podman("rmi", other)
    tested = "sha256:" + "0" * 64
    settings = podman_environment() | {"IMAGE_ARCHIVE": str(archive), "IMAGE_TAGS": "x.invalid/x:y"}

    unset = run_nox(project, "-s", "push", env=settings)
    refused = run_nox(project, "-s", "push", env=settings | {"IMAGE_ID": tested})
    podman("rmi", "--force", other_id)  # what the refused push loaded

    assert unset.returncode != 0
    assert "IMAGE_ID must be set" in unset.output
    assert refused.returncode != 0
    assert f"{archive} does not hold the tested image {tested}" in refused.output
    assert "push" not in [command.split()[1] for command in commands_in_sessions(refused.output)]


def assert_only_locked_runtime_dependencies(project: Path, image: str) -> None:
    """The image has the service's dependencies at the lock's versions, and no development tool."""
    listed = podman("run", "--rm", "--network=none", image, "python", "-c", LIST_DISTRIBUTIONS)
    distributions = {
        distribution_name(name): (version, requires)
        for name, (version, requires) in json.loads(listed.stdout).items()
    }
    locked = locked_versions(project)
    assert {name: version for name, (version, _) in distributions.items()} == {
        name: locked.get(name) for name in distributions
    }
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {distribution_name(req) for req in pyproject["project"]["dependencies"]}
    assert runtime | {pyproject["project"]["name"]} <= distributions.keys()
    tools = {
        distribution_name(req)
        for group in pyproject["dependency-groups"].values()
        for req in group
        if isinstance(req, str)
    }
    # A group may name a package the service needs anyway (the tests import anyio, which
    # FastAPI depends on); a tool is a group's package that nothing in the image requires.
    required = {
        distribution_name(requirement)
        for _version, requires in distributions.values()
        for requirement in requires
        if "extra ==" not in requirement
    }
    assert not (tools & distributions.keys()) - required


def distribution_name(requirement: str) -> str:
    """The normalised distribution name of a requirement such as `uvicorn[standard]>=0.32`."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match[0]).lower()
