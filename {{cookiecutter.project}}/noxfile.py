# /// script
# dependencies = ["nox>=2025.5.1"]
# ///
"""Quality gates: a bare `nox` runs lint, unit, integration, coverage, then verdict (not in CI)."""

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
nox.options.reuse_venv = "yes"  # `uv sync --locked` makes it the lock's again
nox.options.stop_on_first_error = True
# A missing Python is skipped in one line, nox's own (docs/decisions.md).
nox.options.download_python = "never"
SKIP_WARNING = "Missing interpreters will error by default on CI systems."
logging.getLogger("nox").addFilter(lambda record: record.getMessage() != SKIP_WARNING)

PYTHON_VERSIONS = {{ cookiecutter.__python_versions.split() | tojson }}
NOX_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
# The Python of lint and coverage: nox's own if the project supports it, else any it does.
TOOLS_PYTHON = None if NOX_PYTHON in PYTHON_VERSIONS else f">={PYTHON_VERSIONS[0]}"
{%- if cookiecutter.include_image and cookiecutter.include_kubernetes %}
# The oldest Kubernetes deploy/ is checked against (docs/decisions.md).
KUBERNETES_VERSION = "1.32.0"
{%- endif %}
GITHUB_SCHEMAS = {  # GitHub's own, vendored in check-jsonschema (offline)
    "vendor.github-workflows": ".github/workflows/*.yml",
    "vendor.dependabot": ".github/dependabot.yml",
}
# .coverage.<session>, or .coverage.<session>.<host>.<pid>.<random> (parallel mode).
COVERAGE_DATA = re.compile(r"^\.coverage\.(?P<session>(?:unit|integration)-\d+\.\d+)(?:\.|$)")
TEST_RESULTS = Path("test-results")  # JUnit XML, one file per session
TEST_SUITES = ("unit", "integration")
{%- if cookiecutter.include_image %}
IMAGE_TAG = "{{ cookiecutter.project }}:dev"
ENGINE_TIMEOUT = 60
{%- endif %}
RAN: list[str] = []  # the sessions of this run that got as far as their own code


def install_locked(session: nox.Session, *selection: str) -> None:
    """Install what `selection` (uv sync options) selects, exactly as uv.lock pins it."""
    if not Path("uv.lock").exists():
        session.error("no uv.lock: run `uv lock` (it needs the package index) and commit uv.lock")
    session.run_install("uv", "sync", "--locked", "--no-default-groups", *selection, silent=True)


@nox.session(python=TOOLS_PYTHON)
def lint(session: nox.Session) -> None:
    """Check the code (ruff, mypy){% if cookiecutter.include_image %}, the Dockerfile{% endif %}{% if cookiecutter.include_image and cookiecutter.include_kubernetes %}, the Kubernetes manifests{% endif %} and .github/."""
    RAN.append(session.name)
    install_locked(session, "--group=dev")  # for mypy, the tests' and the tools' dependencies
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
{%- if cookiecutter.include_image %}
    if Path("Dockerfile").exists():
        session.run("hadolint", "Dockerfile")
{%- endif %}
    for schema, pattern in GITHUB_SCHEMAS.items():
        if files := sorted(Path().glob(pattern)):
            session.run("check-jsonschema", f"--builtin-schema={schema}", *map(str, files))
    if Path(".github").exists():  # a file zizmor cannot parse fails (not a warning and a pass)
        session.run("zizmor", "--offline", "--strict-collection", ".github")
{%- if cookiecutter.include_image and cookiecutter.include_kubernetes %}
    found = Path("deploy").glob("*.yaml")
    if manifests := sorted(str(path) for path in found if path.name != "kustomization.yaml"):
        # Kubernetes' schemas: --quiet prints problems alone, and an unknown `kind` only warns.
        args = ("--strict", "--quiet", f"--kubernetes-version={KUBERNETES_VERSION}", *manifests)
        if problems := session.run("kubernetes-validate", *args, silent=True):
            session.error(" ".join(str(problems).split()))
{%- endif %}
    session.run("python", "-m", "tools.parity")  # CI: the same gates, uv, nox, Pythons, PostgreSQL


def run_tests(session: nox.Session, suite: str) -> None:
    """Run one suite (or the tests named after `--`) under pytest-cov, into .coverage.<session>."""
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
        if results.exists():  # the failed tests, in CI's job summary
            cases = ElementTree.parse(results).iter("testcase")  # noqa: S314 (pytest's own report)
            failed = [
                f"- `{case.get('classname')}::{case.get('name')}`\n"
                for case in cases
                if case.find("failure") is not None or case.find("error") is not None
            ]
            if failed:
                summary = f"## {session.name}: {len(failed)} failed\n\n{''.join(failed)}"
                add_to_github_file("GITHUB_STEP_SUMMARY", summary)


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
    """Run the integration tests with coverage, on DATABASE_URL or a throwaway local PostgreSQL."""
    run_tests(session, "tests/integration")


@nox.session(python=TOOLS_PYTHON)
def coverage(session: nox.Session) -> None:
    """Combine the test sessions' coverage, write HTML and XML reports, enforce fail_under."""
    RAN.append(session.name)
    install_locked(session, "--only-group=coverage")
    # After test sessions of this run, their data alone, not a skipped Python's old data.
    this_run = [name for name in RAN if name.startswith(TEST_SUITES)]
    data = {
        str(path): match["session"]
        for path in sorted(Path().glob(".coverage.*"))
        if (match := COVERAGE_DATA.match(path.name))
        and (not this_run or match["session"] in this_run)
    }
    if data:
        session.log(f"Combining the coverage data of {', '.join(sorted(set(data.values())))}")
        session.run("coverage", "combine", *data)
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


@nox.session(python=TOOLS_PYTHON, default=False, tags=["ci"])
def image(session: nox.Session) -> None:
    """Build the image with Docker or Podman, test it running; IMAGE_ARCHIVE saves it for push."""
    RAN.append(session.name)
    engine = container_engine(session)
    install_locked(session, "--group=test")
    # On the host's network, which reaches the index; Podman in Docker's format, for HEALTHCHECK.
    command = [engine, "build", "--network=host", f"--tag={IMAGE_TAG}"]
    if engine == "podman":
        command.append("--format=docker")
    if certificates := os.environ.get("BUILD_CA_CERTIFICATES"):
        if not Path(certificates).is_file():
            session.error(f"BUILD_CA_CERTIFICATES={certificates} is not a file")
        command.append(f"--secret=id=ca-certificates,src={certificates}")
    with tempfile.TemporaryDirectory() as folder:
        if not session.run(*command, f"--iidfile={folder}/image-id", "."):
            return  # --install-only
        image_id = Path(folder, "image-id").read_text(encoding="utf-8").strip()
    session.log(f"Built image {image_id} ({IMAGE_TAG}); testing it")
    session.run(
        "pytest",
        f"--junitxml={TEST_RESULTS / 'image.xml'}",
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
    for engine in filter(shutil.which, ("docker", "podman")):
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


@nox.session(python=False, default=False, tags=["ci"])
def push(session: nox.Session) -> None:
    """Push the image `image` tested (IMAGE_ARCHIVE, IMAGE_ID) as IMAGE_TAGS; print its digest."""
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
            session.run(engine, "push", f"--digestfile={folder}/digest", tag)
            return Path(folder, "digest").read_text(encoding="utf-8").strip()
    session.run(engine, "push", tag)
    for reference in image_details(engine, image_id).get("RepoDigests", []):
        name, _, digest = str(reference).partition("@")
        if name == repository(tag):
            return digest
    session.error(f"{engine} reports no digest for {tag} after pushing it")


def repository(reference: str) -> str:
    """The reference without its tag: `ghcr.io/owner/name:tag` is `ghcr.io/owner/name`."""
    return re.sub(r":[^/]*$", "", reference)


def image_details(engine: str, name: str) -> dict[str, Any]:
    """What `<engine> image inspect` says of the local image `name`, or {} if it has none."""
    found = subprocess.run(  # noqa: S603 (docker or podman, fixed arguments)
        [engine, "image", "inspect", name], capture_output=True, timeout=ENGINE_TIMEOUT, check=False
    )
    details: list[dict[str, Any]] = json.loads(found.stdout) if found.returncode == 0 else []
    return details[0] if details else {}
{%- endif %}


@nox.session(python=TOOLS_PYTHON, default=False)
def fix(session: nox.Session) -> None:
    """Apply ruff's fixes and formatting, with the locked ruff (not a default session)."""
    install_locked(session, "--only-group=lint")
    # What the fixes leave (a line too long, say) may be the formatter's: report only after it.
    session.run("ruff", "check", "--fix-only", ".")
    session.run("ruff", "format", ".")
    session.run("ruff", "check", ".")


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
