"""A render's tools/parity.py (its lint gate's CI check) names each disagreement it checks for.

The cases run against a fresh render's own module, with the image and without it: its
Jinja leaves the image's checks out of the second and changes what uv_problems takes.
"""

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tooling.template import render

LOCKED = "uv run --locked --only-group=nox nox"
SETUP_UV = {"uses": "astral-sh/setup-uv@0000000", "with": {"version-file": "pyproject.toml"}}
Listing = list[dict[str, Any]]
DEFAULTS: Listing = [
    {"session": "lint", "name": "lint", "python": None, "tags": []},
    {"session": "unit-3.12", "name": "unit", "python": "3.12", "tags": []},
    {"session": "unit-3.13", "name": "unit", "python": "3.13", "tags": []},
    {"session": "verdict", "name": "verdict", "python": False, "tags": ["local"]},
]
# The sessions tagged `ci`, which only a render with the image has.
IMAGE_SESSIONS: Listing = [
    {"session": "image", "name": "image", "python": None, "tags": ["ci"]},
    {"session": "push", "name": "push", "python": False, "tags": ["ci"]},
]
PYPROJECT = {"dependency-groups": {"uv": ["uv==0.13.9"], "nox": ["nox>=2025.5.1"]}}
NOXFILE = (
    '# /// script\n# dependencies = ["nox>=2025.5.1"]\n# ///\n'
    'import nox\n\nnox.needs_version = ">=2025.5.1"\n'
)
DOCKERFILE = "FROM python:3.13-slim AS uv\nRUN python tools/locked_uv.py uv.lock\n"
DIGEST = "@sha256:" + "0" * 64


def workflow(**jobs: dict[str, Any]) -> dict[str, Any]:
    return {"jobs": jobs}


def job(*steps: dict[str, Any], matrix: list[str] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"steps": [SETUP_UV, *steps]}
    if matrix:
        found["strategy"] = {"matrix": {"python": matrix}}
    return found


def run(command: str) -> dict[str, Any]:
    return {"run": command, "env": {"PYTHON": "${{ matrix.python }}"}}


GOOD_JOBS = {
    "lint": job(run(f"{LOCKED} -s lint")),
    "unit": job(run(f'{LOCKED} -s unit -p "$PYTHON"'), matrix=["3.12", "3.13"]),
}
IMAGE_JOBS = {"build": job(run(f"{LOCKED} -s image")), "push": job(run(f"{LOCKED} -s push"))}


@dataclass(frozen=True)
class Render:
    """A render's tools.parity, whether the render has the image, and what it expects then."""

    parity: ModuleType
    image: bool

    @property
    def ci_only(self) -> Listing:
        return IMAGE_SESSIONS if self.image else []

    @property
    def good(self) -> dict[str, Any]:
        """A workflow that calls every gate of the render."""
        return workflow(**GOOD_JOBS, **(IMAGE_JOBS if self.image else {}))

    def session_problems(self, flow: dict[str, Any]) -> list[str]:
        calls, problems = self.parity.session_calls(flow)
        return [*problems, *self.parity.session_problems(calls, DEFAULTS, self.ci_only)]

    def uv_problems(
        self, flow: dict[str, Any], dockerfile: str | None = None, pyproject: Any = PYPROJECT
    ) -> list[str]:
        """uv_problems; a render with the image is also given the Dockerfile."""
        image_only = (dockerfile,) if self.image else ()
        return list(self.parity.uv_problems(flow, pyproject, *image_only))


def render_parity(folder: Path, include_image: str) -> Render:
    """A fresh render's tools.parity, imported from it; sys.path and sys.modules left as found.

    A render's hook imports its own `tools` package: that is set aside for the import.
    """
    project = render(folder, include_image=include_image)
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in sys.modules if name.partition(".")[0] == "tools"]:
            patch.delitem(sys.modules, name)
        patch.syspath_prepend(str(project))
        module = importlib.import_module("tools.parity")
        for name in [name for name in sys.modules if name.partition(".")[0] == "tools"]:
            del sys.modules[name]  # this render's; leaving the context puts back the hook's
    assert Path(module.__file__ or "").is_relative_to(project)
    return Render(module, image=include_image == "yes")


@pytest.fixture(scope="module")
def with_image(tmp_path_factory: pytest.TempPathFactory) -> Render:
    return render_parity(tmp_path_factory.mktemp("parity-image"), "yes")


@pytest.fixture(scope="module")
def without_image(tmp_path_factory: pytest.TempPathFactory) -> Render:
    return render_parity(tmp_path_factory.mktemp("parity-no-image"), "no")


@pytest.fixture(params=["with_image", "without_image"])
def either(request: pytest.FixtureRequest) -> Render:
    """Each of the two renders in turn, each rendered once for the module."""
    found: Render = request.getfixturevalue(request.param)
    return found


def test_the_calls_expand_the_matrix(either: Render) -> None:
    calls = ["lint", "unit-3.12", "unit-3.13", *(["image", "push"] if either.image else [])]

    assert either.parity.session_calls(either.good) == (calls, [])


def test_a_workflow_that_calls_every_gate_is_clean(either: Render) -> None:
    assert either.session_problems(either.good) == []
    assert either.uv_problems(either.good, DOCKERFILE) == []
    assert list(either.parity.nox_floor_problems(PYPROJECT, NOXFILE)) == []


def test_the_image_python_of_a_clean_workflow_is_tested(with_image: Render) -> None:
    assert list(with_image.parity.image_python_problems(DOCKERFILE, ["3.12", "3.13"])) == []


def test_a_default_session_the_workflow_never_calls_is_named(either: Render) -> None:
    kept = ("lint", "build", "push") if either.image else ("lint",)
    flow = workflow(**{name: either.good["jobs"][name] for name in kept})
    workflow_path = either.parity.WORKFLOW

    assert either.session_problems(flow) == [
        f"{workflow_path} never calls the nox session unit-3.12, which CI must run",
        f"{workflow_path} never calls the nox session unit-3.13, which CI must run",
    ]


def test_a_ci_session_the_workflow_never_calls_is_named(with_image: Render) -> None:
    jobs = dict(with_image.good["jobs"])
    del jobs["push"]

    assert with_image.session_problems(workflow(**jobs)) == [
        f"{with_image.parity.WORKFLOW} never calls the nox session push, which CI must run"
    ]


def test_a_matrix_python_the_noxfile_does_not_test_is_named(either: Render) -> None:
    flow = workflow(**either.good["jobs"] | {"unit": job(run(f"{LOCKED} -s unit -p 3.14"))})

    assert (
        f"{either.parity.WORKFLOW} calls unit-3.14, which is neither a default nox session nor "
        "one tagged `ci`" in either.session_problems(flow)
    )


def test_a_local_session_in_the_workflow_is_named(either: Render) -> None:
    flow = workflow(**either.good["jobs"] | {"verdict": job(run(f"{LOCKED} -s verdict"))})

    assert either.session_problems(flow) == [
        f"{either.parity.WORKFLOW} calls verdict, a session for local runs only"
    ]


def test_a_run_step_that_is_not_a_locked_nox_call_is_named(either: Render) -> None:
    for command in ("pytest tests", "nox -s lint", f"{LOCKED} -s lint -- -x", f"{LOCKED} -s"):
        flow = workflow(**either.good["jobs"] | {"lint": job(run(command))})

        problems = either.session_problems(flow)

        assert problems[0].startswith(f"{either.parity.WORKFLOW}: job lint runs {command!r}")


def test_setup_uv_with_a_version_of_its_own_is_named(either: Render) -> None:
    pinned = {"uses": "astral-sh/setup-uv@0000000", "with": {"version": "0.14.0"}}
    flow = workflow(lint={"steps": [pinned, run(f"{LOCKED} -s lint")]})

    assert either.uv_problems(flow) == [
        f"{either.parity.WORKFLOW}: job lint sets up uv 0.14.0, not pyproject.toml's 0.13.9: "
        "give setup-uv `version-file: pyproject.toml` and no `version`"
    ]


def test_uv_is_declared_once_and_exactly(either: Render) -> None:
    pinned = {"uses": "astral-sh/setup-uv@0000000", "with": {"version": "0.14.0"}}
    flow = workflow(lint={"steps": [pinned]})
    floor = PYPROJECT | {"tool": {"uv": {"required-version": ">=0.9"}}}
    wrong: tuple[dict[str, list[str]], ...] = (
        {"uv": ["uv>=0.13"]},
        {},
        {"uv": ["uv==0.13.9"], "dev": ["uv==0.13.8"]},
    )

    for pyproject in [*({"dependency-groups": groups} for groups in wrong), floor]:
        # One line on the declaration; no version is taken from it.
        declaration, setup = either.uv_problems(flow, pyproject=pyproject)
        assert declaration.startswith("pyproject.toml")
        assert "sets up uv 0.14.0, not pyproject.toml's None: " in setup
    assert either.uv_problems(flow, pyproject=floor)[0].startswith(
        "pyproject.toml: [tool.uv] required-version"
    )


def test_an_image_with_a_uv_of_its_own_is_named(with_image: Render) -> None:
    other = DOCKERFILE + "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv\n"

    for dockerfile in (other, "FROM python:3.13-slim\n"):
        assert with_image.uv_problems(with_image.good, dockerfile) == [
            "Dockerfile: install uv with tools/locked_uv.py (the version uv.lock pins, 0.13.9) "
            "and from nowhere else"
        ]


def test_a_nox_floor_of_its_own_is_named(either: Render) -> None:
    noxfile = NOXFILE.replace('needs_version = ">=2025.5.1"', 'needs_version = ">=2026.1"')

    assert list(either.parity.nox_floor_problems(PYPROJECT, noxfile)) == [
        "noxfile.py: nox.needs_version is ['>=2026.1'], pyproject.toml's nox '>=2025.5.1'"
    ]


def test_an_image_python_no_session_tests_is_named(with_image: Render) -> None:
    assert list(with_image.parity.image_python_problems(DOCKERFILE, ["3.12"])) == [
        "Dockerfile: FROM python:3.13-slim runs Python 3.13, which no session tests (3.12)"
    ]


def test_a_python_version_file_that_is_not_the_matrix_is_named(either: Render) -> None:
    check = either.parity.python_version_file_problems

    assert list(check("3.12\n3.13\n", ["3.12", "3.13"])) == []
    assert list(check("3.13\n", ["3.12", "3.13"])) == [
        ".python-version lists ['3.13'], not the Pythons the sessions test, ['3.12', '3.13']"
    ]


def test_an_image_without_a_digest_is_named(either: Render) -> None:
    postgres_dockerfile = either.parity.POSTGRES_DOCKERFILE
    # A stage built from an earlier one (`FROM build`) needs no digest of its own.
    dockerfiles = {
        Path("Dockerfile"): f"FROM python:3.13-slim{DIGEST} AS build\nFROM build\n"
        "FROM python:3.13-slim\n",
        postgres_dockerfile: "FROM postgres:18\n",
    }
    service = {"postgres": {"image": "postgres:18"}}
    flow = workflow(integration={"services": service, "container": f"python{DIGEST}"})

    assert list(either.parity.digest_problems(dockerfiles, flow)) == [
        "Dockerfile: FROM python:3.13-slim has no digest: name it image:tag@sha256:...",
        f"{postgres_dockerfile}: FROM postgres:18 has no digest: name it image:tag@sha256:...",
        f"{either.parity.WORKFLOW}: job integration runs postgres:18, which has no digest",
    ]


def test_the_workflows_postgres_is_the_one_dependabot_keeps_current(either: Render) -> None:
    image = f"postgres:18{DIGEST}"
    flow = workflow(integration={"services": {"postgres": {"image": image}}})

    assert list(either.parity.postgres_problems(flow, 18, f"# CI's\nFROM {image}\n")) == []
    assert list(either.parity.postgres_problems(flow, 18, "FROM postgres:18\n")) == [
        f"{either.parity.WORKFLOW}: job integration's postgres service is {image}, but "
        f"{either.parity.POSTGRES_DOCKERFILE} names ['postgres:18']: make them the same image"
    ]


def test_a_postgres_service_of_another_major_is_named(either: Render) -> None:
    image = f"postgres:17{DIGEST}"
    flow = workflow(integration={"services": {"postgres": {"image": image}}, "steps": []})
    dockerfile = f"FROM {image}\n"

    assert list(either.parity.postgres_problems(flow, 17, dockerfile)) == []
    assert list(either.parity.postgres_problems(flow, 18, dockerfile)) == [
        f"{either.parity.WORKFLOW}: job integration's postgres service is {image}, but the "
        "project tests on PostgreSQL 18 (tools/postgres_major.py)"
    ]
