"""Quality gates. A bare `nox` runs lint, unit, integration and coverage, in that order.

CI calls these same sessions (.github/workflows/ci.yml), so a green `nox` here means a
green pipeline there. Options after `--` go to pytest, e.g. `nox -s unit -- -x -k title`;
`lint` always checks the whole project, so `nox -- -x` stops early without breaking it.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "unit", "integration", "coverage"]
nox.options.stop_on_first_error = True

PYTHON_VERSIONS = [
{%- for version in cookiecutter.__python_versions.split() %}"{{ version }}"{% if not loop.last %}, {% endif %}{% endfor -%}
]

PYPROJECT = nox.project.load_toml("pyproject.toml")
TEST_REQUIREMENTS = nox.project.dependency_groups(PYPROJECT, "test")
DEV_REQUIREMENTS = nox.project.dependency_groups(PYPROJECT, "dev")
DOCKERFILE = Path("Dockerfile")
GITHUB_CONFIG = Path(".github")
# GitHub's own schemas, vendored in check-jsonschema so that they work offline.
GITHUB_SCHEMAS = {
    "vendor.github-workflows": ".github/workflows/*.yml",
    "vendor.dependabot": ".github/dependabot.yml",
}


@nox.session
def lint(session: nox.Session) -> None:
    """Check the code (ruff, mypy), the Dockerfile (hadolint) and .github/ (schemas, zizmor).

    ruff check, ruff format --check and strict mypy always. When the project has them:
    hadolint on the Dockerfile; GitHub's schemas (check-jsonschema) and zizmor (offline)
    on the workflows and dependabot.yml.
    """
    session.install(".", *DEV_REQUIREMENTS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    if DOCKERFILE.exists():
        session.run("hadolint", str(DOCKERFILE))
    for schema, pattern in GITHUB_SCHEMAS.items():
        if files := sorted(Path().glob(pattern)):
            session.run("check-jsonschema", f"--builtin-schema={schema}", *map(str, files))
    if GITHUB_CONFIG.exists():
        # Strict: a file zizmor cannot parse is an error, not a warning and a pass.
        session.run("zizmor", "--offline", "--strict-collection", str(GITHUB_CONFIG))


def run_tests_under_coverage(session: nox.Session, suite: str) -> None:
    """Install the package and run one test suite, recording coverage for this session."""
    session.install(".", *TEST_REQUIREMENTS)
    # Each session writes its own data files (.coverage.<session>.*) and drops its old ones,
    # so `coverage` combines exactly one run of every session.
    data_file = f".coverage.{session.name}"
    for stale in Path().glob(f"{data_file}.*"):
        stale.unlink()
    session.run(
        "coverage", "run", "-m", "pytest", suite, *session.posargs, env={"COVERAGE_FILE": data_file}
    )


@nox.session(python=PYTHON_VERSIONS)
def unit(session: nox.Session) -> None:
    """Run the unit tests (no database needed) under coverage."""
    run_tests_under_coverage(session, "tests/unit")


@nox.session(python=PYTHON_VERSIONS)
def integration(session: nox.Session) -> None:
    """Run the integration tests against PostgreSQL under coverage.

    Uses DATABASE_URL when it is set, otherwise a throwaway embedded server.
    """
    run_tests_under_coverage(session, "tests/integration")


@nox.session
def coverage(session: nox.Session) -> None:
    """Combine the test sessions' coverage, write HTML and XML reports, enforce fail_under."""
    session.install(*(req for req in TEST_REQUIREMENTS if req.startswith("coverage")))
    if any(Path().glob(".coverage.*")):
        session.run("coverage", "combine")
    # The reports are written whatever the total, so CI can publish them when the gate
    # below fails; only the final `coverage report` enforces fail_under.
    session.run("coverage", "html", "--fail-under=0")
    session.run("coverage", "xml", "--fail-under=0")
    if summary := os.environ.get("GITHUB_STEP_SUMMARY"):
        table = session.run(
            "coverage", "report", "--format=markdown", "--fail-under=0", silent=True
        )
        with Path(summary).open("a", encoding="utf-8") as file:
            file.write(f"## Coverage\n\n{table}\n")
    session.run("coverage", "report")
