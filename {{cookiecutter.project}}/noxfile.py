# /// script
# dependencies = ["nox>=2025.5.1"]
# ///
"""Quality gates: a bare `nox` runs lint, unit, integration and coverage, then `verdict`.

CI calls the same sessions (tools/parity.py checks it); options after `--` go to pytest.
"""

from __future__ import annotations

{% if cookiecutter.include_image -%}
import json
{% endif -%}
import logging
import os
import re
{%- if cookiecutter.include_image %}
import shutil
import subprocess
{%- endif %}
import sys
{%- if cookiecutter.include_image %}
import tempfile
{%- endif %}
import xml.etree.ElementTree as ElementTree
from pathlib import Path
{%- if cookiecutter.include_image %}
from typing import Any
{%- endif %}

import nox

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "uv"
# `uv sync --locked` makes a reused environment exactly the lock's again.
nox.options.reuse_venv = "yes"
nox.options.stop_on_first_error = True
# A missing Python is skipped at once (an error on CI); `--download-python=auto` fetches it.
nox.options.download_python = "never"
# One line per skipped Python, nox's own: `verdict` says that CI tests them all.
SKIP_WARNING = "Missing interpreters will error by default on CI systems."
logging.getLogger("nox").addFilter(lambda record: record.getMessage() != SKIP_WARNING)

PYTHON_VERSIONS = {{ cookiecutter.__python_versions.split() | tojson }}

GITHUB_CONFIG = Path(".github")
{%- if cookiecutter.include_image %}
DOCKERFILE = Path("Dockerfile")
{%- endif %}
{%- if cookiecutter.include_image and cookiecutter.include_kubernetes %}
# The oldest Kubernetes deploy/ is checked against (docs/decisions.md).
KUBERNETES_VERSION = "1.32.0"
{%- endif %}
# GitHub's own schemas, vendored in check-jsonschema so that they work offline.
GITHUB_SCHEMAS = {
    "vendor.github-workflows": ".github/workflows/*.yml",
    "vendor.dependabot": ".github/dependabot.yml",
}
# .coverage.<session>, or .coverage.<session>.<host>.<pid>.<random> (parallel mode).
COVERAGE_DATA = re.compile(r"^\.coverage\.(?P<session>(?:unit|integration)-\d+\.\d+)(?:\.|$)")
# Each test session's JUnit XML, which CI keeps as an artifact.
TEST_RESULTS = Path("test-results")
TEST_SUITES = ("unit", "integration")
{%- if cookiecutter.include_image %}
IMAGE_TAG = "{{ cookiecutter.project }}:dev"
# Tried in this order; a docker client without a daemon does not answer `docker info`.
CONTAINER_ENGINES = ("docker", "podman")
ENGINE_TIMEOUT = 60
{%- endif %}
# The gates of this nox run that got as far as their own code: a skipped one never does.
RAN: list[str] = []


def python_for_tools() -> str | None:
    """The Python of lint and coverage: nox's own if the project supports it, else any it does."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" in PYTHON_VERSIONS:
        return None
    return f">={PYTHON_VERSIONS[0]}"


def install_locked(session: nox.Session, *selection: str) -> None:
    """Install what `selection` (uv sync options) selects, exactly as uv.lock pins it."""
    if not Path("uv.lock").exists():
        session.error("no uv.lock: run `uv lock` (it needs the package index) and commit uv.lock")
    session.run_install("uv", "sync", "--locked", "--no-default-groups", *selection, silent=True)


@nox.session(python=python_for_tools())
def lint(session: nox.Session) -> None:
{%- if cookiecutter.include_image and cookiecutter.include_kubernetes %}
    """Check the code (ruff, mypy), the Dockerfile, .github/ and the Kubernetes manifests."""
{%- elif cookiecutter.include_image %}
    """Check the code (ruff, mypy), the Dockerfile and .github/."""
{%- else %}
    """Check the code (ruff, mypy) and .github/."""
{%- endif %}
    RAN.append(session.name)
    install_locked(session, "--group=dev")  # mypy checks the tests and the tooling too
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
{%- if cookiecutter.include_image %}
    if DOCKERFILE.exists():
        session.run("hadolint", str(DOCKERFILE))
{%- endif %}
    for schema, pattern in GITHUB_SCHEMAS.items():
        if files := sorted(Path().glob(pattern)):
            session.run("check-jsonschema", f"--builtin-schema={schema}", *map(str, files))
    if GITHUB_CONFIG.exists():
        # Strict: a file zizmor cannot parse is an error, not a warning and a pass.
        session.run("zizmor", "--offline", "--strict-collection", str(GITHUB_CONFIG))
{%- if cookiecutter.include_image and cookiecutter.include_kubernetes %}
    found = Path("deploy").glob("*.yaml")
    if manifests := sorted(str(path) for path in found if path.name != "kustomization.yaml"):
        validate_manifests(session, manifests)
{%- endif %}
    # CI calls exactly the gates and uses the same uv, nox, Pythons and PostgreSQL.
    session.run("python", "-m", "tools.parity")
{%- if cookiecutter.include_image and cookiecutter.include_kubernetes %}


def validate_manifests(session: nox.Session, manifests: list[str]) -> None:
    """Check the manifests against Kubernetes' schemas, unknown fields refused (--strict).

    An unknown `kind` is only a warning, and --quiet prints problems alone: any output fails.
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
{%- endif %}


def run_tests(session: nox.Session, suite: str) -> None:
    """Run one suite under pytest-cov, tests named after `--` instead if any.

    Each session keeps its own data (.coverage.<session>); `coverage` enforces fail_under.
    """
    RAN.append(session.name)
    install_locked(session, "--group=test")
    results = TEST_RESULTS / f"{session.name}.xml"
    results.unlink(missing_ok=True)
    try:
        session.run(
            "pytest",
            "--cov",
            "--cov-report=",
            "--cov-fail-under=0",
            f"--junitxml={results}",
            f"--override-ini=testpaths={suite}",
            *session.posargs,
            env={"COVERAGE_FILE": f".coverage.{session.name}"},
        )
    finally:
        add_to_github_file("GITHUB_STEP_SUMMARY", failures(results, session.name))


def failures(results: Path, name: str) -> str:
    """The failed tests of a JUnit XML report, as a section of CI's job summary ("" if none)."""
    if not results.exists():
        return ""
    cases = ElementTree.parse(results).iter("testcase")  # noqa: S314 (pytest's own report)
    failed = [
        f"- `{case.get('classname')}::{case.get('name')}`"
        for case in cases
        if case.find("failure") is not None or case.find("error") is not None
    ]
    return f"## {name}: {len(failed)} failed\n\n" + "\n".join(failed) + "\n" if failed else ""


def add_to_github_file(variable: str, text: str) -> None:
    """Append text to the file a GitHub Actions variable names (GITHUB_OUTPUT, ...), if set."""
    if text and (path := os.environ.get(variable)):
        with Path(path).open("a", encoding="utf-8") as file:
            file.write(text)


@nox.session(python=PYTHON_VERSIONS)
def unit(session: nox.Session) -> None:
    """Run the unit tests (no database needed) with coverage."""
    run_tests(session, "tests/unit")


@nox.session(python=PYTHON_VERSIONS)
def integration(session: nox.Session) -> None:
    """Run the integration tests against PostgreSQL with coverage.

    DATABASE_URL's server, else a throwaway local one, of the project's PostgreSQL major.
    """
    run_tests(session, "tests/integration")


def coverage_data(only: list[str] | None = None) -> dict[str, list[str]]:
    """The coverage data files here, by the test session that wrote them (of `only`, if given)."""
    found: dict[str, list[str]] = {}
    for path in sorted(Path().glob(".coverage.*")):
        if (match := COVERAGE_DATA.match(path.name)) and (only is None or match["session"] in only):
            found.setdefault(match["session"], []).append(str(path))
    return found


@nox.session(python=python_for_tools())
def coverage(session: nox.Session) -> None:
    """Combine the test sessions' coverage, write HTML and XML reports, enforce fail_under."""
    RAN.append(session.name)
    install_locked(session, "--only-group=coverage")
    # After test sessions of this run, their data alone, not a skipped Python's old data.
    this_run = [name for name in RAN if name.startswith(TEST_SUITES)]
    if data := coverage_data(only=this_run or None):
        session.log(f"Combining the coverage data of {', '.join(sorted(data))}")
        session.run("coverage", "combine", *(file for files in data.values() for file in files))
    elif not Path(".coverage").exists():
        session.error("no coverage data: run the unit and integration sessions first")
    # Reports whatever the total, for CI to publish when the final `coverage report` fails.
    session.run("coverage", "html", "--fail-under=0")
    session.run("coverage", "xml", "--fail-under=0")
    if "GITHUB_STEP_SUMMARY" in os.environ:
        table = session.run(
            "coverage", "report", "--format=markdown", "--fail-under=0", silent=True
        )
        add_to_github_file("GITHUB_STEP_SUMMARY", f"## Coverage\n\n{table}\n")
    session.run("coverage", "report")


{%- if cookiecutter.include_image %}


@nox.session(python=python_for_tools(), default=False, tags=["ci"])
def image(session: nox.Session) -> None:
    """Build the container image, start it against PostgreSQL and test it from outside.

    Needs Docker or Podman (docs/deployment.md); IMAGE_ARCHIVE saves the tested image for `push`.
    """
    RAN.append(session.name)
    engine = container_engine(session)
    install_locked(session, "--group=test")
    image_id = build_image(session, engine)
    if image_id is None:  # --install-only
        return
    session.log(f"Built image {image_id} ({IMAGE_TAG}); testing it")
    results = TEST_RESULTS / f"{session.name}.xml"
    session.run(
        "pytest",
        f"--junitxml={results}",
        "--override-ini=testpaths=tests/image",
        *session.posargs,
        env={"IMAGE": image_id, "CONTAINER_ENGINE": engine},
    )
    if archive := os.environ.get("IMAGE_ARCHIVE"):
        session.run(engine, "save", f"--output={archive}", image_id)
    add_to_github_file("GITHUB_OUTPUT", f"image-id={image_id}\n")
    session.log(f"Tested image {image_id}")


def container_engine(session: nox.Session) -> str:
    """The first container engine that answers, or the session fails in one line."""
    for engine in CONTAINER_ENGINES:
        if shutil.which(engine) is None:
            continue
        try:
            answer = subprocess.run(  # noqa: S603 (docker or podman, fixed arguments)
                [engine, "info"], capture_output=True, timeout=ENGINE_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            continue
        if answer.returncode == 0:
            return engine
    session.error(
        "no container engine answers (`docker info` and `podman info` fail or are missing): "
        "install and start Docker or Podman"
    )


def build_image(session: nox.Session, engine: str) -> str | None:
    """Build the Dockerfile with `engine` and return the image's id (None under --install-only).

    On the host's network, which reaches the index; Podman in Docker's format, for HEALTHCHECK.
    """
    command = [engine, "build", "--network=host", f"--tag={IMAGE_TAG}"]
    if engine == "podman":
        command.append("--format=docker")
    if certificates := os.environ.get("BUILD_CA_CERTIFICATES"):
        if not Path(certificates).is_file():
            session.error(f"BUILD_CA_CERTIFICATES={certificates} is not a file")
        command.append(f"--secret=id=ca-certificates,src={certificates}")
    with tempfile.TemporaryDirectory() as folder:
        id_file = Path(folder) / "image-id"
        if not session.run(*command, f"--iidfile={id_file}", "."):
            return None
        return id_file.read_text(encoding="utf-8").strip()


@nox.session(python=False, default=False, tags=["ci"])
def push(session: nox.Session) -> None:
    """Push the image `image` tested, as it was, under IMAGE_TAGS; print its digest.

    For CI's push job: IMAGE_ARCHIVE and IMAGE_ID are the file and id `image` gave.
    """
    names = ("IMAGE_ARCHIVE", "IMAGE_ID", "IMAGE_TAGS")
    if missing := [name for name in names if not os.environ.get(name)]:
        session.error(f"{', '.join(missing)} must be set (CI's push job sets them)")
    archive, image_id, tags = (os.environ[name] for name in names)
    engine = container_engine(session)
    session.run(engine, "load", f"--input={archive}")
    # Docker reports the id as `sha256:<hex>`, Podman as `<hex>`.
    loaded = image_details(engine, image_id).get("Id", "")
    if loaded.removeprefix("sha256:") != image_id.removeprefix("sha256:"):
        session.error(f"{archive} does not hold the tested image {image_id}")
    references = tags.split()
    digests = {push_tag(session, engine, image_id, tag) for tag in references}
    if len(digests) != 1:
        session.error(f"the tags were pushed as different manifests: {', '.join(sorted(digests))}")
    name, digest = repository(references[0]), digests.pop()
    session.log(f"Pushed {image_id} as {name}@{digest}")
    add_to_github_file(
        "GITHUB_STEP_SUMMARY", f"## Pushed\n\n`{name}@{digest}` (deploy it by this digest)\n"
    )
    add_to_github_file("GITHUB_OUTPUT", f"name={name}\ndigest={digest}\n")


def push_tag(session: nox.Session, engine: str, image_id: str, tag: str) -> str:
    """Tag the image, push the tag, and return the manifest digest the registry has."""
    session.run(engine, "tag", image_id, tag)
    if engine == "podman":
        with tempfile.TemporaryDirectory() as folder:
            digest_file = Path(folder) / "digest"
            session.run(engine, "push", f"--digestfile={digest_file}", tag)
            return digest_file.read_text(encoding="utf-8").strip()
    session.run(engine, "push", tag)
    # Docker records the digest it pushed, by repository.
    for reference in image_details(engine, image_id).get("RepoDigests", []):
        name, _, digest = str(reference).partition("@")
        if name == repository(tag):
            return digest
    session.error(f"{engine} reports no digest for {tag} after pushing it")


def repository(reference: str) -> str:
    """The reference without its tag: `ghcr.io/owner/name:tag` is `ghcr.io/owner/name`."""
    path, _, last = reference.rpartition("/")
    return f"{path}/{last.partition(':')[0]}" if path else last.partition(":")[0]


def image_details(engine: str, image: str) -> dict[str, Any]:
    """What the engine knows of a local image (`<engine> image inspect`), or {} if it has none."""
    found = subprocess.run(  # noqa: S603 (docker or podman, fixed arguments)
        [engine, "image", "inspect", image],
        capture_output=True,
        text=True,
        timeout=ENGINE_TIMEOUT,
        check=False,
    )
    details: list[dict[str, Any]] = json.loads(found.stdout) if found.returncode == 0 else []
    return details[0] if details else {}
{%- endif %}


@nox.session(python=python_for_tools(), default=False)
def fix(session: nox.Session) -> None:
    """Apply ruff's fixes and formatting, with the locked ruff (not a default session)."""
    install_locked(session, "--only-group=lint")
    session.run("ruff", "check", "--fix", ".")
    session.run("ruff", "format", ".")


@nox.session(python=False, tags=["local"])
def verdict(session: nox.Session) -> None:
    """Fail unless lint, coverage and both test suites ran; name the Pythons tested."""
    tested = sorted({name.partition("-")[2] for name in RAN if name.startswith(TEST_SUITES)})
    untested = [version for version in PYTHON_VERSIONS if version not in tested]
    session.log(
        f"Tested on Python {', '.join(tested) or 'none'}; not tested: "
        f"{', '.join(untested) or 'none'} (skipped where not installed; CI tests every one)"
    )
    missing = [gate for gate in ("lint", "coverage") if gate not in RAN]
    missing += [suite for suite in TEST_SUITES if not any(n.startswith(f"{suite}-") for n in RAN)]
    if missing:
        session.error(
            f"{', '.join(missing)} did not run: install a Python of {', '.join(PYTHON_VERSIONS)}"
            f" (e.g. `uv python install {PYTHON_VERSIONS[0]}`) and run `nox` again"
        )


if __name__ == "__main__":
    nox.main()
