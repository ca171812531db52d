"""Sessions for working on the template itself. A bare `nox` runs lint and tests.

`nox -s fast` checks renders and hooks in seconds; `nox -s tests` adds the end-to-end
pipelines (render a project, break it, run its own nox) and takes minutes.
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.stop_on_first_error = True

PYPROJECT = nox.project.load_toml("pyproject.toml")


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and format-check the template's own code: hooks, tests, noxfile."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    targets = session.posargs or ["."]
    session.run("ruff", "check", *targets)
    session.run("ruff", "format", "--check", *targets)


TEST_REQUIREMENTS = nox.project.dependency_groups(PYPROJECT, "test")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite in parallel, pipelines included; pytest options after `--`."""
    session.install(*TEST_REQUIREMENTS)
    session.run("pytest", "--numprocesses=auto", "--durations=15", *session.posargs)


@nox.session(default=False)
def fast(session: nox.Session) -> None:
    """Run only the quick checks: renders, static checks of the output, hook refusals."""
    session.install(*TEST_REQUIREMENTS)
    session.run("pytest", "--numprocesses=auto", "-m", "not pipeline", *session.posargs)


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
