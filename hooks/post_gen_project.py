"""Finish the rendered project: drop what the answers switched off, record the answers.

Runs inside the new project folder and needs no network.
"""

from __future__ import annotations

import json
from pathlib import Path

# The answers arrive as one JSON document so that no answer can break this file's syntax.
ANSWERS = json.loads({{cookiecutter | jsonify | tojson}})

IMAGE_FILES = ("Dockerfile", ".dockerignore")

# Where this machine rendered the template: meaningless anywhere else.
MACHINE_LOCAL_KEYS = frozenset({"_output_dir", "_repo_dir", "_checkout"})


def remove_switched_off_files(project: Path) -> None:
    """Delete the files of the options the answers switched off."""
    if not ANSWERS["include_image"]:
        for name in IMAGE_FILES:
            (project / name).unlink()


def record_answers(project: Path) -> None:
    """Write the answers as a cookiecutter replay file, so the project can be re-rendered.

    `cookiecutter --replay-file .cookiecutter.json <template>` renders it again.
    """
    answers = {key: value for key, value in ANSWERS.items() if key not in MACHINE_LOCAL_KEYS}
    text = json.dumps({"cookiecutter": answers}, indent=2, sort_keys=True)
    (project / ".cookiecutter.json").write_text(text + "\n", encoding="utf-8")


def print_next_steps(project: Path) -> None:
    """Tell the user how to run the gates and the service."""
    print(
        f"""
Created {project.name}. Next steps:

    cd {project.name}
    git init && git add . && git commit -m "Start from cookiecutter-fastapi-nox"
    python -m pip install "nox[uv]"   # or: uv tool install nox
    nox                                # lint, unit, integration, coverage

Run the service with an embedded PostgreSQL:

    uv sync && uv run invoke dev       # then open http://127.0.0.1:8000/docs
"""
    )


def main() -> None:
    """Finish the project in the current directory."""
    project = Path.cwd()
    remove_switched_off_files(project)
    record_answers(project)
    print_next_steps(project)


if __name__ == "__main__":
    main()
