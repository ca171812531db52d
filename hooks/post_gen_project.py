"""Finish the rendered project: drop what the answers switched off, record the answers, lock.

Runs inside the new project folder. Only the lock needs the network (the package index):
without it the project is still complete, and the hook says how to make the lock later.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

IMAGE_FILES = ("Dockerfile", ".dockerignore")

# Where this machine rendered the template: meaningless anywhere else.
MACHINE_LOCAL_KEYS = frozenset({"_output_dir", "_repo_dir", "_checkout"})
# How cookiecutter names a template it fetches (`_template`), as opposed to a local folder.
REMOTE_TEMPLATE_PREFIXES = ("gh:", "gl:", "bb:", "https://", "http://", "git@", "git+", "ssh://")

# The same line the project's first nox gate prints when uv.lock is missing (noxfile.py).
MISSING_LOCK = "no uv.lock: run `uv lock` (it needs the package index) and commit uv.lock"
# Resolving with a warm cache takes about a second; a network that never answers is cut short.
LOCK_TIMEOUT = 120


def remove_switched_off_files(project: Path, answers: dict[str, Any]) -> None:
    """Delete the files of the options the answers switched off."""
    if not answers["include_image"]:
        for name in IMAGE_FILES:
            (project / name).unlink()


def record_answers(project: Path, answers: dict[str, Any]) -> None:
    """Write the answers as a cookiecutter replay file, so the project can be re-rendered.

    `cookiecutter --replay-file .cookiecutter.json <template>` renders it again.
    """
    kept = {key: value for key, value in answers.items() if key not in MACHINE_LOCAL_KEYS}
    if not str(kept.get("_template", "")).startswith(REMOTE_TEMPLATE_PREFIXES):
        kept.pop("_template", None)  # a folder on this machine
    text = json.dumps({"cookiecutter": kept}, indent=2, sort_keys=True)
    (project / ".cookiecutter.json").write_text(text + "\n", encoding="utf-8")


def find_uv() -> str | None:
    """The uv installed beside cookiecutter (`pip install cookiecutter uv`), else on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / ("uv.exe" if os.name == "nt" else "uv")
    return str(beside) if beside.is_file() else shutil.which("uv")


def lock(project: Path) -> bool:
    """Write uv.lock for every supported Python; if that fails, say why and what to run later."""
    uv = find_uv()
    if uv is None:
        print(f"WARNING: {MISSING_LOCK} (uv is not installed)")
        return False
    try:
        locked = subprocess.run(  # noqa: S603 (uv itself, with fixed arguments)
            [uv, "lock", "--quiet", "--no-progress"],
            cwd=project,
            env=environment_for_locking(),
            capture_output=True,
            text=True,
            timeout=LOCK_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"WARNING: {MISSING_LOCK} (uv lock: {error})")
        return False
    if locked.returncode != 0:
        print(f"WARNING: {MISSING_LOCK} (uv lock: {why_uv_failed(locked.stderr)})")
        return False
    return True


def environment_for_locking() -> dict[str, str]:
    """This process's environment, minus the interpreter choices of whatever runs cookiecutter.

    Inside a virtual environment or a nox session, they name a Python that may be older than
    the project's python_min; left to itself, uv finds one the project supports. Unless told
    otherwise, uv does not download one just to lock: without a supported Python installed,
    the warning says what to run later.
    """
    chosen = {"UV_PYTHON", "UV_PROJECT_ENVIRONMENT", "VIRTUAL_ENV"}
    environment = {key: value for key, value in os.environ.items() if key not in chosen}
    return {"UV_PYTHON_DOWNLOADS": "never"} | environment


def why_uv_failed(output: str) -> str:
    """The error uv reports and its deepest cause, on one line.

    uv prints an error and a chain of causes, such as `Request failed after 3 retries`
    down to `Connection refused`: the two ends say what failed and why.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("error: ") for line in lines if line.startswith("error: ")]
    causes = [line.removeprefix("cause: ") for line in lines if line.startswith("cause: ")]
    return ": ".join([*errors[:1], *causes[-1:]]) or "no output"


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


def main() -> None:
    """Finish the project in the current directory."""
    # The answers arrive as one JSON document so that no answer can break this file's
    # syntax; read here, not at import, so that tests can import the functions above.
    answers = json.loads({{cookiecutter | jsonify | tojson}})
    project = Path.cwd()
    remove_switched_off_files(project, answers)
    record_answers(project, answers)
    lock(project)
    print_next_steps(project)


if __name__ == "__main__":
    main()
