# /// script
# dependencies = ["nox>=2025.5.1"]
# ///
"""Quality gates. A bare `nox` runs lint, unit, integration and coverage, in that order.

CI calls these same sessions (.github/workflows/ci.yml), so a green `nox` here means a
green pipeline there. Options after `--` go to pytest, e.g. `nox -s unit -- -x -k title`;
`lint` always checks the whole project, so `nox -- -x` stops early without breaking it.

Every session installs exactly the versions pinned in uv.lock, the same ones CI and the
container image install.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2025.5.1"
# uv creates the environments and installs the lock into them (see `install_locked`).
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "unit", "integration", "coverage"]
nox.options.stop_on_first_error = True
# A Python of the matrix that is not installed is skipped at once (an error on CI)
# rather than downloaded: `nox --download-python=auto` lets uv fetch the missing ones.
nox.options.download_python = "never"

PYTHON_VERSIONS = {{ cookiecutter.__python_versions.split() | tojson }}

LOCK = Path("uv.lock")
MISSING_LOCK = "no uv.lock: run `uv lock` (it needs the package index) and commit uv.lock"
DOCKERFILE = Path("Dockerfile")
GITHUB_CONFIG = Path(".github")
KUBERNETES_MANIFESTS = Path("deploy")
# The oldest Kubernetes the manifests are checked against (kubernetes-validate ships the
# schemas): still supported by the big providers, and new enough for preStop `sleep`.
KUBERNETES_VERSION = "1.32.0"
# GitHub's own schemas, vendored in check-jsonschema so that they work offline.
GITHUB_SCHEMAS = {
    "vendor.github-workflows": ".github/workflows/*.yml",
    "vendor.dependabot": ".github/dependabot.yml",
}
# Coverage data files are named after the session that wrote them (run_tests_under_coverage):
# .coverage.<session>.<host>.<pid>.<random>
COVERAGE_DATA = re.compile(r"^\.coverage\.(?P<session>(?:unit|integration)-\d+\.\d+)\.")


def python_for_tools() -> str | None:
    """The Python of lint and coverage: nox's own if the project supports it, else any it does.

    Neither needs a particular version, only one that the lock and requires-python allow.
    """
    if f"{sys.version_info.major}.{sys.version_info.minor}" in PYTHON_VERSIONS:
        return None
    return f">={PYTHON_VERSIONS[0]}"


def install_locked(session: nox.Session, *selection: str) -> None:
    """Install what `selection` (uv sync options) selects, at the versions uv.lock pins.

    `uv sync --locked` rather than `session.install`: it installs exactly what uv.lock
    pins (the same versions CI and the Dockerfile install), removes anything else, and
    fails when uv.lock no longer matches pyproject.toml instead of resolving afresh. nox's
    uv backend points uv at the session's environment (UV_PROJECT_ENVIRONMENT).
    """
    if not LOCK.exists():
        session.error(MISSING_LOCK)
    session.run_install("uv", "sync", "--locked", "--no-default-groups", *selection, silent=True)


@nox.session(python=python_for_tools())
def lint(session: nox.Session) -> None:
    """Check the code (ruff, mypy), the Dockerfile, .github/ and the Kubernetes manifests.

    ruff check, ruff format --check and strict mypy always. When the project has them:
    hadolint on the Dockerfile; GitHub's schemas (check-jsonschema) and zizmor (offline)
    on the workflows and dependabot.yml; Kubernetes' schemas (kubernetes-validate,
    offline) on deploy/. mypy checks the tests, tasks.py and this file too, so lint
    installs every development dependency (the `dev` group).
    """
    install_locked(session, "--group=dev")
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
    if manifests := kubernetes_manifests():
        validate_manifests(session, manifests)


def kubernetes_manifests() -> list[str]:
    """The Kubernetes objects in deploy/: every YAML file but kustomize's own."""
    found = KUBERNETES_MANIFESTS.glob("*.yaml")
    return sorted(str(path) for path in found if path.name != "kustomization.yaml")


def validate_manifests(session: nox.Session, manifests: list[str]) -> None:
    """Check the manifests against Kubernetes' schemas, unknown fields refused (--strict).

    kubernetes-validate exits non-zero on an invalid object but only warns about one whose
    kind has no schema (a misspelt `kind`): with --quiet it prints problems alone, so any
    output fails the session.
    """
    problems = session.run(
        "kubernetes-validate",
        "--strict",
        "--quiet",
        f"--kubernetes-version={KUBERNETES_VERSION}",
        *manifests,
        silent=True,
    )
    if problems:
        session.error(" ".join(str(problems).split()))


def run_tests_under_coverage(session: nox.Session, suite: str) -> None:
    """Install the project with its test tools and run one suite, recording coverage."""
    install_locked(session, "--group=test")
    # Each session writes its own data files (.coverage.<session>.*) and drops its old ones,
    # so `coverage` combines at most one run of each session.
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


def sessions_with_coverage_data() -> list[str]:
    """The test sessions whose coverage data files are here, in name order."""
    found = (COVERAGE_DATA.match(path.name) for path in Path().glob(".coverage.*"))
    return sorted({match["session"] for match in found if match})


@nox.session(python=python_for_tools())
def coverage(session: nox.Session) -> None:
    """Combine the test sessions' coverage, write HTML and XML reports, enforce fail_under.

    It combines the data of whichever test sessions ran (a bare `nox` runs them all) and
    says which: after `nox -s unit` alone the total leaves out what only the integration
    tests cover.
    """
    install_locked(session, "--only-group=coverage")
    if combined := sessions_with_coverage_data():
        session.log(f"Combining the coverage data of {', '.join(combined)}")
        session.run("coverage", "combine")
    elif not Path(".coverage").exists():
        session.error("no coverage data: run the unit and integration sessions first")
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


if __name__ == "__main__":
    nox.main()
