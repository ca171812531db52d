"""tools/parity.py: the workflow calls the gates a bare `nox` runs, with the same tools."""

from __future__ import annotations

{% if cookiecutter.include_image -%}
from pathlib import Path
{% endif -%}
from typing import Any

from tools import parity

LOCKED = "uv run --locked --only-group=nox nox"
SETUP_UV = {"uses": "astral-sh/setup-uv@0000000", "with": {"version-file": "pyproject.toml"}}
DEFAULTS: parity.Listing = [
    {"session": "lint", "name": "lint", "python": None, "tags": []},
    {"session": "unit-3.12", "name": "unit", "python": "3.12", "tags": []},
    {"session": "unit-3.13", "name": "unit", "python": "3.13", "tags": []},
    {"session": "verdict", "name": "verdict", "python": False, "tags": ["local"]},
]
{%- if cookiecutter.include_image %}
CI_ONLY: parity.Listing = [
    {"session": "image", "name": "image", "python": None, "tags": ["ci"]},
    {"session": "push", "name": "push", "python": False, "tags": ["ci"]},
]
{%- else %}
CI_ONLY: parity.Listing = []
{%- endif %}
PYPROJECT = {"dependency-groups": {"uv": ["uv==0.13.9"], "nox": ["nox>=2025.5.1"]}}
NOXFILE = (
    '# /// script\n# dependencies = ["nox>=2025.5.1"]\n# ///\n'
    'import nox\n\nnox.needs_version = ">=2025.5.1"\n'
)
{%- if cookiecutter.include_image %}
DOCKERFILE = "FROM python:3.13-slim AS uv\nRUN python tools/locked_uv.py uv.lock\n"
{%- endif %}


def workflow(**jobs: dict[str, Any]) -> dict[str, Any]:
    return {"jobs": jobs}


def job(*steps: dict[str, Any], matrix: list[str] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"steps": [SETUP_UV, *steps]}
    if matrix:
        found["strategy"] = {"matrix": {"python": matrix}}
    return found


def run(command: str) -> dict[str, Any]:
    return {"run": command, "env": {"PYTHON": "{% raw %}${{ matrix.python }}{% endraw %}"}}


GOOD = workflow(
    lint=job(run(f"{LOCKED} -s lint")),
    unit=job(run(f'{LOCKED} -s unit -p "$PYTHON"'), matrix=["3.12", "3.13"]),
{%- if cookiecutter.include_image %}
    build=job(run(f"{LOCKED} -s image")),
    push=job(run(f"{LOCKED} -s push")),
{%- endif %}
)


def session_problems(flow: dict[str, Any]) -> list[str]:
    calls, problems = parity.session_calls(flow)
    return problems + list(parity.session_problems(calls, DEFAULTS, CI_ONLY))


def test_the_calls_expand_the_matrix() -> None:
    calls = ["lint", "unit-3.12", "unit-3.13"{% if cookiecutter.include_image %}, "image", "push"{% endif %}]

    assert parity.session_calls(GOOD) == (calls, [])


def test_a_workflow_that_calls_every_gate_is_clean() -> None:
    assert session_problems(GOOD) == []
    assert list(parity.uv_problems(GOOD, PYPROJECT{% if cookiecutter.include_image %}, DOCKERFILE{% endif %})) == []
    assert list(parity.nox_floor_problems(PYPROJECT, NOXFILE)) == []
{%- if cookiecutter.include_image %}
    assert list(parity.image_python_problems(DOCKERFILE, ["3.12", "3.13"])) == []
{%- endif %}


def test_a_default_session_the_workflow_never_calls_is_named() -> None:
{%- if cookiecutter.include_image %}
    kept = ("lint", "build", "push")
{%- else %}
    kept = ("lint",)
{%- endif %}
    flow = workflow(**{name: GOOD["jobs"][name] for name in kept})

    assert session_problems(flow) == [
        f"{parity.WORKFLOW} never calls the nox session unit-3.12, which CI must run",
        f"{parity.WORKFLOW} never calls the nox session unit-3.13, which CI must run",
    ]


{%- if cookiecutter.include_image %}


def test_a_ci_session_the_workflow_never_calls_is_named() -> None:
    jobs = dict(GOOD["jobs"])
    del jobs["push"]
    flow = workflow(**jobs)

    assert session_problems(flow) == [
        f"{parity.WORKFLOW} never calls the nox session push, which CI must run"
    ]
{%- endif %}


def test_a_matrix_python_the_noxfile_does_not_test_is_named() -> None:
    flow = workflow(**GOOD["jobs"] | {"unit": job(run(f"{LOCKED} -s unit -p 3.14"))})

    problems = session_problems(flow)

    assert (
        f"{parity.WORKFLOW} calls unit-3.14, which is neither a default nox session nor one "
        "tagged `ci`" in problems
    )


def test_a_local_session_in_the_workflow_is_named() -> None:
    flow = workflow(**GOOD["jobs"] | {"verdict": job(run(f"{LOCKED} -s verdict"))})

    assert session_problems(flow) == [
        f"{parity.WORKFLOW} calls verdict, a session for local runs only"
    ]


def test_a_run_step_that_is_not_a_locked_nox_call_is_named() -> None:
    for command in ("pytest tests", "nox -s lint", f"{LOCKED} -s lint -- -x", f"{LOCKED} -s"):
        flow = workflow(**GOOD["jobs"] | {"lint": job(run(command))})

        problems = session_problems(flow)

        assert problems[0].startswith(f"{parity.WORKFLOW}: job lint runs {command!r}")


def test_setup_uv_with_a_version_of_its_own_is_named() -> None:
    pinned = {"uses": "astral-sh/setup-uv@0000000", "with": {"version": "0.14.0"}}
    flow = workflow(lint={"steps": [pinned, run(f"{LOCKED} -s lint")]})

    assert list(parity.uv_problems(flow, PYPROJECT{% if cookiecutter.include_image %}, None{% endif %})) == [
        f"{parity.WORKFLOW}: job lint sets up uv 0.14.0, not pyproject.toml's 0.13.9: give "
        "setup-uv `version-file: pyproject.toml` and no `version`"
    ]


def test_uv_is_declared_once_and_exactly() -> None:
    for groups in ({"uv": ["uv>=0.13"]}, {}, {"uv": ["uv==0.13.9"], "dev": ["uv==0.13.8"]}):
        version, problems = parity.declared_uv({"dependency-groups": groups})

        assert version is None
        assert len(problems) == 1
    floor = PYPROJECT | {"tool": {"uv": {"required-version": ">=0.9"}}}
    assert parity.declared_uv(floor)[1][0].startswith("pyproject.toml: [tool.uv] required-version")


{%- if cookiecutter.include_image %}


def test_an_image_with_a_uv_of_its_own_is_named() -> None:
    other = DOCKERFILE + "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv\n"

    for dockerfile in (other, "FROM python:3.13-slim\n"):
        assert list(parity.uv_problems(GOOD, PYPROJECT, dockerfile)) == [
            "Dockerfile: install uv with tools/locked_uv.py (the version uv.lock pins, 0.13.9) "
            "and from nowhere else"
        ]
{%- endif %}


def test_a_nox_floor_of_its_own_is_named() -> None:
    noxfile = NOXFILE.replace('needs_version = ">=2025.5.1"', 'needs_version = ">=2026.1"')

    assert list(parity.nox_floor_problems(PYPROJECT, noxfile)) == [
        "noxfile.py: nox.needs_version is ['>=2026.1'], pyproject.toml's nox '>=2025.5.1'"
    ]


{%- if cookiecutter.include_image %}


def test_an_image_python_no_session_tests_is_named() -> None:
    assert list(parity.image_python_problems(DOCKERFILE, ["3.12"])) == [
        "Dockerfile: FROM python:3.13-slim runs Python 3.13, which no session tests (3.12)"
    ]
{%- endif %}


def test_a_python_version_file_that_is_not_the_matrix_is_named() -> None:
    assert list(parity.python_version_file_problems("3.12\n3.13\n", ["3.12", "3.13"])) == []
    assert list(parity.python_version_file_problems("3.13\n", ["3.12", "3.13"])) == [
        ".python-version lists ['3.13'], not the Pythons the sessions test, ['3.12', '3.13']"
    ]


def test_an_image_without_a_digest_is_named() -> None:
    digest = "@sha256:" + "0" * 64
{%- if cookiecutter.include_image %}
    dockerfile = f"FROM python:3.13-slim{digest} AS build\nFROM build\nFROM python:3.13-slim\n"
    service = {"postgres": {"image": "postgres:18"}}
    flow = workflow(integration={"services": service, "container": f"python{digest}"})

    assert list(parity.digest_problems({Path("Dockerfile"): dockerfile}, flow)) == [
        "Dockerfile: FROM python:3.13-slim has no digest: name it image:tag@sha256:...",
        f"{parity.WORKFLOW}: job integration runs postgres:18, which has no digest",
    ]
{%- else %}
    service = {"postgres": {"image": "postgres:18"}}
    flow = workflow(integration={"services": service, "container": f"python{digest}"})

    dockerfiles = {parity.POSTGRES_DOCKERFILE: "FROM postgres:18\n"}

    assert list(parity.digest_problems(dockerfiles, flow)) == [
        f"{parity.POSTGRES_DOCKERFILE}: FROM postgres:18 has no digest: "
        "name it image:tag@sha256:...",
        f"{parity.WORKFLOW}: job integration runs postgres:18, which has no digest",
    ]
{%- endif %}


def test_the_workflows_postgres_is_the_one_dependabot_keeps_current() -> None:
    image = "postgres:18@sha256:" + "0" * 64
    flow = workflow(integration={"services": {"postgres": {"image": image}}})

    assert list(parity.postgres_image_problems(flow, f"# CI's\nFROM {image}\n")) == []
    assert list(parity.postgres_image_problems(flow, "FROM postgres:18\n")) == [
        f"{parity.WORKFLOW}: job integration's postgres service is {image}, but "
        f"{parity.POSTGRES_DOCKERFILE} names ['postgres:18']: make them the same image"
    ]


def test_a_postgres_service_of_another_major_is_named() -> None:
    service = {"postgres": {"image": "postgres:17@sha256:" + "0" * 64}}
    flow = workflow(integration={"services": service, "steps": []})

    assert list(parity.postgres_problems(flow, 17)) == []
    assert list(parity.postgres_problems(flow, 18)) == [
        f"{parity.WORKFLOW}: job integration's postgres service is {service['postgres']['image']}, "
        "but the project tests on PostgreSQL 18 (tools/postgres_major.py)"
    ]
