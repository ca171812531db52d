# /// script
# dependencies = ["nox>=2025.5.1"]
# ///
"""Sessions for working on the template itself. A bare `nox` runs lint and tests.

`nox -s fast` checks renders and hooks in seconds; `nox -s tests` adds the end-to-end
pipelines (render a project, break it, run its own nox) and takes minutes. `nox -s bench`
measures the generated pipeline and service (about 20 minutes) and is never run by default.
With nothing but uv installed, `uv run noxfile.py` runs nox too (PEP 723 header above).
"""

import json
import os
from pathlib import Path

import nox

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.stop_on_first_error = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
# The oldest Python the template supports, as cookiecutter.json lists them.
OLDEST_PYTHON = json.loads(Path("cookiecutter.json").read_text(encoding="utf-8"))[
    "__supported_pythons"
].split()[0]


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and format-check the template's own Python; type-check it but the Jinja hooks.

    Files after `--` are linted alone, and mypy (which checks the whole) is left out.
    """
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint", "test"))
    targets = session.posargs or ["."]
    target = f"--target-version=py{OLDEST_PYTHON.replace('.', '')}"
    session.run("ruff", "check", target, *targets)
    session.run("ruff", "format", "--check", target, *targets)
    if not session.posargs:
        session.run("mypy", f"--python-version={OLDEST_PYTHON}")


TEST_REQUIREMENTS = nox.project.dependency_groups(PYPROJECT, "test")
# One worker per core. The tests last from milliseconds to minutes: a worker that runs out
# takes tests queued for another (worksteal) instead of idling while one long tail runs.
PARALLEL = ("--numprocesses=auto", "--dist=worksteal")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite in parallel, pipelines included; pytest options after `--`."""
    session.install(*TEST_REQUIREMENTS)
    session.run("pytest", *PARALLEL, "--durations=15", *session.posargs)


# What the image tests need beyond Python, as Debian and Ubuntu name it (`.ci/run` adds
# mmdebstrap and friends for stand-in base images).
IMAGE_TEST_PACKAGES = ("podman", "runc", "netavark", "docker-registry", "skopeo")


@nox.session(name="image-tests", default=False, tags=["ci"])
def image_tests(session: nox.Session) -> None:
    """Run the image tests on the real base images, pulled by digest, as CI's image job does.

    They need root (network namespaces of their own): the session runs pytest through
    sudo unless it is root. On GitHub Actions it installs their Ubuntu packages first.
    """
    session.install(*TEST_REQUIREMENTS)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        session.run("sudo", "apt-get", "update", "-q", external=True)
        session.run(
            "sudo", "apt-get", "install", "-y", "-q", "--no-install-recommends",
            *IMAGE_TEST_PACKAGES, external=True,
        )  # fmt: skip
    pytest = ("python", "-m", "pytest", *PARALLEL, "-m", "image", *session.posargs)
    if os.geteuid() == 0:
        session.run(*pytest, env={"IMAGE_BASES": "registry"})
    else:
        path = f"PATH={session.bin}{os.pathsep}{os.environ['PATH']}"
        session.run("sudo", "env", path, "IMAGE_BASES=registry", *pytest, external=True)


@nox.session(default=False)
def fast(session: nox.Session) -> None:
    """Run only the quick checks: renders, static checks of the output, hook refusals."""
    session.install(*TEST_REQUIREMENTS)
    session.run("pytest", *PARALLEL, "-m", "not pipeline and not image", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Time render-to-green and load the service with wrk; write BENCHMARKS.md's results.

    Needs wrk (`apt-get install wrk`) and, for the full matrix, every supported Python on PATH.
    Options after `--`: `--runs N` (timed pipeline runs per variant, default 3), `--part
    pipeline` or `--part service` (measure only that part and print it, writing nothing),
    `--part ab --baseline DIR [--template DIR] [--rounds N] [--with-peers]` (the default
    render of the checkout DIR against this one's, CPU per request first; prints only).
    """
    session.install(*TEST_REQUIREMENTS)
    session.run("python", "-m", "bench", *session.posargs)


@nox.session(name="dependency-names", default=False)
def dependency_names(session: nox.Session) -> None:
    """Write the names no project may shadow: what a fresh render installs, the stdlib's.

    dependency_names.json from a fresh render's environment; stdlib_module_names.json from
    every supported Python on PATH (put them all there first).
    """
    session.install(*TEST_REQUIREMENTS)
    session.run("python", "-m", "tooling.dependency_names")


@nox.session(default=False)
def bake(session: nox.Session) -> None:
    """Render the template into ./_bake/ for a look; pass answers after `--` (key=value)."""
    session.install("cookiecutter")
    session.run(
        "cookiecutter",
        "--no-input",
        "--overwrite-if-exists",
        "--output-dir=_bake",
        ".",
        *session.posargs,
    )


if __name__ == "__main__":
    nox.main()
