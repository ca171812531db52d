"""What the user is told once the project exists: what a local run still needs, what to run."""

import sys
from pathlib import Path


def warn_of_missing_postgres(project: Path) -> None:
    """Say in one line what a local run needs when the project's PostgreSQL major is not here."""
    sys.path.insert(0, str(project))
    # The project's own module (standard library only), importable once on the path.
    from tools.postgres_binaries import local_run_note

    if note := local_run_note(project):
        print(f"WARNING: {note}")


def print_next_steps(project: Path) -> None:
    """Tell the user how to run the gates and the service."""
    print(
        f"""
Created {project.name}. Next steps:

    cd {project.name}
    git init && git add . && git commit -m "Start from cookiecutter-fastapi-nox"
    nox                                # lint, unit, integration, coverage

Run the service with an embedded PostgreSQL:

    uv sync && uv run invoke dev       # then open http://127.0.0.1:8000/docs
"""
    )
