# /// script
# dependencies = ["nox>=2025.5.1"]
# ///
"""Quality gates. A bare `nox` runs lint, unit, integration and coverage, in that order.

Then `verdict` fails the run unless each of them ran, and names the Pythons tested. CI
calls these same sessions (.github/workflows/ci.yml; `lint` checks that, tools/parity.py),
so a green `nox` here means a green pipeline there. Options after `--` go to pytest, e.g.
`nox -s unit -- -x -k title`, and a path or node id there replaces the suite; `lint`
always checks the whole project. `nox -s fix` applies ruff's fixes.

Every session installs exactly the versions pinned in uv.lock, the same ones CI
{%- if cookiecutter.include_image %} and the
container image install.
{%- else %} installs.
{%- endif %}
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
# uv creates the environments and installs the lock into them (see `install_locked`).
nox.options.default_venv_backend = "uv"
# A second run reuses each session's environment: `uv sync --locked` makes it exactly the
# lock's again (removing anything else), in a fraction of the time a new one takes.
nox.options.reuse_venv = "yes"
# No session list: every session is a default one, run in the order below, unless it
# says `default=False`; CI must call each default one but those tagged `local`.
nox.options.stop_on_first_error = True
# A Python of the matrix that is not installed is skipped at once (an error on CI)
# rather than downloaded: `nox --download-python=auto` lets uv fetch the missing ones.
nox.options.download_python = "never"
# One line per skipped Python (nox's own), not two: `verdict` says that CI tests them all.
SKIP_WARNING = "Missing interpreters will error by default on CI systems."
logging.getLogger("nox").addFilter(lambda record: record.getMessage() != SKIP_WARNING)

PYTHON_VERSIONS = {{ cookiecutter.__python_versions.split() | tojson }}

LOCK = Path("uv.lock")
MISSING_LOCK = "no uv.lock: run `uv lock` (it needs the package index) and commit uv.lock"
{%- if cookiecutter.include_image %}
DOCKERFILE = Path("Dockerfile")
{%- endif %}
GITHUB_CONFIG = Path(".github")
{%- if cookiecutter.include_image and cookiecutter.include_kubernetes %}
KUBERNETES_MANIFESTS = Path("deploy")
# The oldest Kubernetes the manifests are checked against (kubernetes-validate ships the
# schemas): still supported by the big providers, and new enough for preStop `sleep`.
KUBERNETES_VERSION = "1.32.0"
{%- endif %}
# GitHub's own schemas, vendored in check-jsonschema so that they work offline.
GITHUB_SCHEMAS = {
    "vendor.github-workflows": ".github/workflows/*.yml",
    "vendor.dependabot": ".github/dependabot.yml",
}
# Coverage data files are named after the session that wrote them (run_tests):
# .coverage.<session>, or .coverage.<session>.<host>.<pid>.<random> while it runs.
COVERAGE_DATA = re.compile(r"^\.coverage\.(?P<session>(?:unit|integration)-\d+\.\d+)(?:\.|$)")
# Each test session's results, as JUnit XML, which CI keeps as an artifact.
TEST_RESULTS = Path("test-results")
TEST_SUITES = ("unit", "integration")
{%- if cookiecutter.include_image %}
IMAGE_TAG = "{{ cookiecutter.project }}:dev"
IMAGE_TESTS = "tests/image"
# Tried in this order; a docker client without a daemon does not answer `docker info`.
CONTAINER_ENGINES = ("docker", "podman")
ENGINE_TIMEOUT = 60
{%- endif %}
# The gates of this nox run that got as far as their own code: a skipped one never does.
RAN: list[str] = []


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
    pins (the same versions CI {% if cookiecutter.include_image %}and the Dockerfile install{% else %}installs{% endif %}), removes anything else, and
    fails when uv.lock no longer matches pyproject.toml instead of resolving afresh. nox's
    uv backend points uv at the session's environment (UV_PROJECT_ENVIRONMENT).
    """
    if not LOCK.exists():
        session.error(MISSING_LOCK)
    session.run_install("uv", "sync", "--locked", "--no-default-groups", *selection, silent=True)


@nox.session(python=python_for_tools())
def lint(session: nox.Session) -> None:
{%- if cookiecutter.include_image and cookiecutter.include_kubernetes %}
    """Check the code (ruff, mypy), the Dockerfile, .github/ and the Kubernetes manifests.

    ruff check, ruff format --check and strict mypy always. When the project has them:
    hadolint on the Dockerfile; GitHub's schemas (check-jsonschema) and zizmor (offline)
    on the workflows and dependabot.yml; Kubernetes' schemas (kubernetes-validate,
    offline) on deploy/; then tools/parity.py, the workflow against this file. mypy
    checks the tests, tasks.py and this file too, so lint installs every development
    dependency (the `dev` group).
    """
{%- elif cookiecutter.include_image %}
    """Check the code (ruff, mypy), the Dockerfile and .github/.

    ruff check, ruff format --check and strict mypy always. When the project has them:
    hadolint on the Dockerfile; GitHub's schemas (check-jsonschema) and zizmor (offline)
    on the workflows and dependabot.yml; then tools/parity.py, the workflow against this
    file. mypy checks the tests, tasks.py and this file too, so lint installs every
    development dependency (the `dev` group).
    """
{%- else %}
    """Check the code (ruff, mypy) and .github/.

    ruff check, ruff format --check and strict mypy always. When the project has them:
    GitHub's schemas (check-jsonschema) and zizmor (offline) on the workflows and
    dependabot.yml; then tools/parity.py, the workflow against this file. mypy checks the
    tests, tasks.py and this file too, so lint installs every development dependency (the
    `dev` group).
    """
{%- endif %}
    RAN.append(session.name)
    install_locked(session, "--group=dev")
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
    if manifests := kubernetes_manifests():
        validate_manifests(session, manifests)
{%- endif %}
    # CI calls exactly the gates and uses the same uv, nox, Pythons and PostgreSQL.
    session.run("python", "-m", "tools.parity")
{%- if cookiecutter.include_image and cookiecutter.include_kubernetes %}


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
{%- endif %}


def run_tests(session: nox.Session, suite: str) -> None:
    """Install the project with its test tools and run one suite under pytest-cov.

    A path or node id after `--` replaces the suite; a selection that matches no test fails.

    Coverage goes to this session's own data files (.coverage.<session>.*, the old ones
    erased); `coverage` combines them and enforces fail_under, once, on the total.
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
            # The suite unless `--` names tests: `nox -s unit -- tests/unit/test_x.py::test_y`.
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

    Uses DATABASE_URL when it is set, otherwise a throwaway local server; either way the
    tests stop at once unless it runs the project's PostgreSQL major (tools/postgres_major.py).
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
    """Combine the test sessions' coverage, write HTML and XML reports, enforce fail_under.

    It combines the data of whichever test sessions ran (a bare `nox` runs them all) and
    says which: after `nox -s unit` alone the total leaves out what only the integration
    tests cover.
    """
    RAN.append(session.name)
    install_locked(session, "--only-group=coverage")
    # After test sessions of this run, their data alone: not a skipped Python's old data.
    this_run = [name for name in RAN if name.startswith(TEST_SUITES)]
    if data := coverage_data(only=this_run or None):
        session.log(f"Combining the coverage data of {', '.join(sorted(data))}")
        session.run("coverage", "combine", *(file for files in data.values() for file in files))
    elif not Path(".coverage").exists():
        session.error("no coverage data: run the unit and integration sessions first")
    # The reports are written whatever the total, so CI can publish them when the gate
    # below fails; only the final `coverage report` enforces fail_under.
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

    Not a default session (it needs Docker or Podman, the first whose `info` answers);
    CI's build job runs it. tests/image checks health, readiness, a task round trip, the
    HEALTHCHECK on another PORT, a non-root user on a read-only root filesystem, bad
    settings in one line and a clean stop on SIGTERM; the database is DATABASE_URL's or a
    throwaway local one, as for `integration`. BUILD_CA_CERTIFICATES, a PEM bundle, is
    given to the build as a secret (for networks that intercept TLS). IMAGE_ARCHIVE saves
    the tested image to that file, which CI's push job publishes.
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
        f"--override-ini=testpaths={IMAGE_TESTS}",
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

    On the host's network, as the package index is reached from here; Podman in Docker's
    format, since the OCI format has no HEALTHCHECK.
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

    For CI's push job, logged in to the registry: IMAGE_ARCHIVE is the file `image` saved,
    IMAGE_ID the id `image` printed (an archive holding any other image is refused), and
    IMAGE_TAGS the references to push, one per line.
    """
    archive, image_id, tags = required_environment(
        session, "IMAGE_ARCHIVE", "IMAGE_ID", "IMAGE_TAGS"
    )
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


def required_environment(session: nox.Session, *names: str) -> list[str]:
    """The values of these environment variables; the session fails naming any that is unset."""
    if missing := [name for name in names if not os.environ.get(name)]:
        session.error(f"{', '.join(missing)} must be set (CI's push job sets them)")
    return [os.environ[name] for name in names]
{%- endif %}


@nox.session(python=python_for_tools(), default=False)
def fix(session: nox.Session) -> None:
    """Apply ruff's fixes and formatting, with the locked ruff (not a default session)."""
    install_locked(session, "--only-group=lint")
    session.run("ruff", "check", "--fix", ".")
    session.run("ruff", "format", ".")


@nox.session(python=False, tags=["local"])
def verdict(session: nox.Session) -> None:
    """Fail unless lint, coverage and both test suites ran; name the Pythons tested.

    A Python of the matrix that is not installed is skipped here (CI runs every one); a
    gate that ran on no Python at all is a failure, not a pass.
    """
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
