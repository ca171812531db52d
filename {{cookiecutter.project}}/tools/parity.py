"""Check that CI runs what a bare `nox` runs, with the same tools (docs/ci.md lists them)."""

import ast
import itertools
import json
import re
import shlex
import string
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from .postgres_major import POSTGRES_MAJOR

WORKFLOW = Path(".github/workflows/ci.yml")
POSTGRES_DOCKERFILE = Path(".github/postgres/Dockerfile")
LOCKED_NOX = ["uv", "run", "--locked", "--only-group=nox", "nox"]
CALL_FORM = "uv run --locked --only-group=nox nox -s <session> [-p <python>]"
MATRIX_VALUE = re.compile(r"\$\{\{\s*matrix\.(?P<key>[\w-]+)\s*\}\}")
SCRIPT_HEADER = re.compile(r"^# /// script\n(?P<toml>(?:#.*\n)*?)# ///$", re.MULTILINE)
FROM_LINE = re.compile(
    r"^FROM\s+(?:--\S+\s+)*(?P<image>\S+)(?:\s+AS\s+(?P<stage>\S+))?", re.MULTILINE | re.IGNORECASE
)
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
SERVICE_IMAGE = re.compile(r"postgres:(?P<major>\d+)(?:@sha256:[0-9a-f]{64})?")
{%- if cookiecutter.include_image %}
IMAGE_PYTHON = re.compile(r"^FROM python:(?P<version>\d+\.\d+)\S*", re.MULTILINE)
LOCKED_UV_STEP = "tools/locked_uv.py"
OTHER_UV_SOURCES = re.compile(r"astral-sh/uv|\buv==")
{%- endif %}

Workflow = Mapping[str, Any]
Listing = list[dict[str, Any]]


def session_calls(workflow: Workflow) -> tuple[list[str], list[str]]:
    """The sessions the workflow's `run:` steps call, matrix expanded; and what is wrong."""
    calls, problems = [], []
    for job_name, job in workflow["jobs"].items():
        matrix = job.get("strategy", {}).get("matrix", {})
        axes = {key: values for key, values in matrix.items() if key not in {"include", "exclude"}}
        for values in itertools.product(*axes.values()):
            row = dict(zip(axes, map(str, values), strict=True))
            for step in job.get("steps", []):
                env = {key: expand(value, row) for key, value in step.get("env", {}).items()}
                if "run" not in step:
                    if "uses" not in step:
                        problems.append(
                            f"{WORKFLOW}: job {job_name} has a step that neither runs nor uses"
                        )
                elif call := nox_call(expand(step["run"], row), env):
                    calls.append(call)
                else:
                    problems.append(
                        f"{WORKFLOW}: job {job_name} runs {step['run']!r}: every run: step "
                        f"is a nox session call, `{CALL_FORM}`"
                    )
    return calls, problems


def expand(value: object, row: Mapping[str, str]) -> str:
    """The value with each matrix expression (`matrix.<key>`) replaced by its value here."""
    return MATRIX_VALUE.sub(lambda match: row.get(match["key"], match[0]), str(value))


def nox_call(run: str, env: Mapping[str, str]) -> str | None:
    """The session a `run:` line calls (`unit-3.12` for `... nox -s unit -p 3.12`), or None."""
    try:
        argv = [string.Template(word).safe_substitute(env) for word in shlex.split(run)]
    except ValueError:  # unbalanced quotes
        return None
    if argv[: len(LOCKED_NOX)] != LOCKED_NOX:
        return None
    match argv[len(LOCKED_NOX) :]:
        case ["-s", session]:
            return session
        case ["-s", session, "-p", python]:
            return f"{session}-{python}"
    return None


def session_problems(calls: list[str], defaults: Listing, ci_only: Listing) -> Iterator[str]:
    """What differs between the workflow's calls and the sessions CI must run."""
    local = {s["session"] for s in defaults if "local" in s["tags"]}
    expected = [s["session"] for s in defaults if s["session"] not in local]
    expected += [s["session"] for s in ci_only if s["session"] not in expected]
    for session in expected:
        if session not in calls:
            yield f"{WORKFLOW} never calls the nox session {session}, which CI must run"
    for session, count in Counter(calls).items():
        if session in local:
            yield f"{WORKFLOW} calls {session}, a session for local runs only"
        elif session not in expected:
            yield (
                f"{WORKFLOW} calls {session}, which is neither a default nox session nor one "
                "tagged `ci`"
            )
        if count > 1:
            yield f"{WORKFLOW} calls {session} {count} times"


{% if cookiecutter.include_image -%}
def uv_problems(
    workflow: Workflow, pyproject: Mapping[str, Any], dockerfile: str | None
) -> Iterator[str]:
    """Where CI or a Dockerfile would get another uv than the one pyproject.toml declares."""
{%- else -%}
def uv_problems(workflow: Workflow, pyproject: Mapping[str, Any]) -> Iterator[str]:
    """Where CI would get another uv than the one pyproject.toml declares."""
{%- endif %}
    groups = pyproject.get("dependency-groups", {}).values()
    found = [item for group in groups for item in group if re.match(r"uv\b", str(item))]
    exact = len(found) == 1 and re.fullmatch(r"uv==[\w.]+", found[0])
    version = found[0].removeprefix("uv==") if exact else None
    if "required-version" in pyproject.get("tool", {}).get("uv", {}):
        version = None
        yield (
            "pyproject.toml: [tool.uv] required-version would be what setup-uv installs: "
            "declare uv once, as `uv==<version>` in the `uv` dependency group"
        )
    elif not exact:
        yield (
            f"pyproject.toml declares uv as {found or 'nothing'}: declare it once, exactly, "
            "as `uv==<version>` in the `uv` dependency group"
        )
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            settings = step.get("with", {})
            if str(step.get("uses", "")).startswith("astral-sh/setup-uv@") and (
                "version" in settings or settings.get("version-file") != "pyproject.toml"
            ):
                yield (
                    f"{WORKFLOW}: job {job_name} sets up uv {settings.get('version', 'by default')}"
                    f", not pyproject.toml's {version}: give setup-uv `version-file: "
                    "pyproject.toml` and no `version`"
                )
{%- if cookiecutter.include_image %}
    if dockerfile is not None and (
        LOCKED_UV_STEP not in dockerfile or OTHER_UV_SOURCES.search(dockerfile)
    ):
        yield (
            f"Dockerfile: install uv with {LOCKED_UV_STEP} (the version uv.lock pins, {version})"
            " and from nowhere else"
        )
{%- endif %}


def nox_floor_problems(pyproject: Mapping[str, Any], noxfile: str) -> Iterator[str]:
    """Where the noxfile's nox floor differs from pyproject.toml's `nox` group."""
    group = pyproject.get("dependency-groups", {}).get("nox", [])
    if len(group) != 1 or not str(group[0]).startswith("nox"):
        yield "pyproject.toml: the `nox` dependency group is nox alone, e.g. `nox>=2025.5.1`"
        return
    floor = str(group[0]).removeprefix("nox")
    needs = [
        ast.literal_eval(node.value)
        for node in ast.parse(noxfile).body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "nox.needs_version"
    ]
    if needs != [floor]:
        yield f"noxfile.py: nox.needs_version is {needs or 'unset'}, pyproject.toml's nox {floor!r}"
    header = SCRIPT_HEADER.search(noxfile)
    script = re.sub(r"^# ?", "", header["toml"] if header else "", flags=re.MULTILINE)
    if (needed := tomllib.loads(script).get("dependencies")) != [f"nox{floor}"]:
        yield f"noxfile.py: its script header needs {needed}, not nox{floor}"
{%- if cookiecutter.include_image %}


def image_python_problems(dockerfile: str | None, tested: list[str]) -> Iterator[str]:
    """Whether a Dockerfile's Python is one the sessions test."""
    for match in IMAGE_PYTHON.finditer(dockerfile or ""):
        if match["version"] not in tested:
            yield (
                f"Dockerfile: {match[0]} runs Python {match['version']}, which no session tests "
                f"({', '.join(tested)})"
            )
{%- endif %}


def python_version_file_problems(text: str | None, tested: list[str]) -> Iterator[str]:
    """Whether `.python-version` lists the tested Pythons (uv picks the first, pyenv all)."""
    if (listed := (text or "").split()) != tested:
        yield f".python-version lists {listed}, not the Pythons the sessions test, {tested}"


def postgres_problems(workflow: Workflow, major: int, dockerfile: str | None) -> Iterator[str]:
    """Whether each PostgreSQL service is the project's major, and what Dependabot updates."""
    named = [match["image"] for match in FROM_LINE.finditer(dockerfile or "")]
    for job_name, job in workflow["jobs"].items():
        for name, service in job.get("services", {}).items():
            image = str(service.get("image", ""))
            if not image.startswith("postgres"):
                continue
            match = SERVICE_IMAGE.fullmatch(image)
            if not match or int(match["major"]) != major:
                yield (
                    f"{WORKFLOW}: job {job_name}'s {name} service is {image}, but the project "
                    f"tests on PostgreSQL {major} (tools/postgres_major.py)"
                )
            if [image] != named:
                yield (
                    f"{WORKFLOW}: job {job_name}'s {name} service is {image}, but "
                    f"{POSTGRES_DOCKERFILE} names {named}: make them the same image"
                )


def digest_problems(dockerfiles: Mapping[Path, str], workflow: Workflow) -> Iterator[str]:
    """Every image the Dockerfiles build from and the workflow runs, unless named by digest."""
    for path, text in dockerfiles.items():
        stages: set[str] = set()
        for match in FROM_LINE.finditer(text):
            if match["image"] not in stages and not DIGEST.search(match["image"]):
                yield f"{path}: FROM {match['image']} has no digest: name it image:tag@sha256:..."
            if match["stage"]:
                stages.add(match["stage"])
    for job_name, job in workflow["jobs"].items():
        container = job.get("container", {})
        images = [container if isinstance(container, str) else container.get("image")]
        images += [service.get("image") for service in job.get("services", {}).values()]
        for image in filter(None, images):
            if not DIGEST.search(str(image)):
                yield f"{WORKFLOW}: job {job_name} runs {image}, which has no digest"


def problems(project: Path, defaults: Listing, ci_only: Listing) -> list[str]:
    """Every way the project's CI{% if cookiecutter.include_image %}, image{% endif %} and gates disagree, one line each."""

    def read(path: Path) -> str | None:
        return (project / path).read_text(encoding="utf-8") if (project / path).exists() else None

    workflow = yaml.safe_load((project / WORKFLOW).read_text(encoding="utf-8"))
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    postgres = read(POSTGRES_DOCKERFILE)
{%- if cookiecutter.include_image %}
    dockerfile = read(Path("Dockerfile"))
    dockerfiles = {Path("Dockerfile"): dockerfile, POSTGRES_DOCKERFILE: postgres}
{%- else %}
    dockerfiles = {POSTGRES_DOCKERFILE: postgres}
{%- endif %}
    tested = sorted({s["python"] for s in defaults if s["name"] == "unit" and s["python"]})
    calls, found = session_calls(workflow)
    found += session_problems(calls, defaults, ci_only)
    found += uv_problems(workflow, pyproject{% if cookiecutter.include_image %}, dockerfile{% endif %})
    found += nox_floor_problems(pyproject, (project / "noxfile.py").read_text(encoding="utf-8"))
{%- if cookiecutter.include_image %}
    found += image_python_problems(dockerfile, tested)
{%- endif %}
    found += python_version_file_problems(read(Path(".python-version")), tested)
    found += postgres_problems(workflow, POSTGRES_MAJOR, postgres)
    found += digest_problems({path: text for path, text in dockerfiles.items() if text}, workflow)
    return found


def nox_listing(*arguments: str) -> Listing:
    """What `nox --list --json` says of the sessions the arguments select."""
    command = [sys.executable, "-m", "nox", "--list", "--json", *arguments]
    listing = subprocess.run(  # noqa: S603 (this Python's own nox)
        command, capture_output=True, text=True, check=True
    )
    return list(json.loads(listing.stdout))


def main() -> int:
    """Print every problem on a line of its own; exit 1 if there is any."""
    found = problems(Path(), nox_listing(), nox_listing("--tags", "ci"))
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
