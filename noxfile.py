"""Sessions for working on the template itself. A bare `nox` runs lint and tests.

`nox -s tests` renders the template and runs the generated project's own pipeline;
`nox -s tests -- -m "not pipeline"` keeps to the fast render and hook checks.
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


@nox.session
def tests(session: nox.Session) -> None:
    """Run the template's test suite in parallel; pass pytest options after `--`."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", "--numprocesses=auto", "--durations=10", *session.posargs)


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
