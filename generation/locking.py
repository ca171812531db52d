"""Write the new project's uv.lock, or say in one line why not and what to run later."""

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

# The same line the project's first nox gate prints when uv.lock is missing (noxfile.py).
MISSING_LOCK = "no uv.lock: run `uv lock` (it needs the package index) and commit uv.lock"
# Resolving with a warm cache takes about a second; a network that never answers is cut short.
LOCK_TIMEOUT = 120


def find_uv() -> str | None:
    """The uv installed beside cookiecutter (`pip install cookiecutter uv`), else on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / ("uv.exe" if os.name == "nt" else "uv")
    return str(beside) if beside.is_file() else shutil.which("uv")


def lock(project: Path, versions: list[str]) -> bool:
    """Write uv.lock for the supported Pythons (`versions`); if that fails, say why and how."""
    uv = find_uv()
    if uv is None:
        print(f"WARNING: {MISSING_LOCK} (uv is not installed)")
        return False
    if not supported_python_found(uv, project, versions):
        return False
    try:
        locked = run_uv(uv, project, "lock", "--quiet", "--no-progress")
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"WARNING: {MISSING_LOCK} (uv lock: {error})")
        return False
    if locked.returncode != 0:
        print(f"WARNING: {MISSING_LOCK} (uv lock: {why_uv_failed(locked.stderr)})")
        return False
    return True


def run_uv(uv: str, project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run uv in the project, as for locking, and capture what it says."""
    return subprocess.run(  # noqa: S603 (uv itself, with fixed arguments)
        [uv, *arguments],
        cwd=project,
        env=environment_for_locking(),
        capture_output=True,
        text=True,
        timeout=LOCK_TIMEOUT,
        check=False,
    )


def supported_python_found(uv: str, project: Path, versions: list[str]) -> bool:
    """Whether a Python the project supports is installed; if not, say so in one line.

    uv needs one to lock, and the gates need one to run: the cause is the missing Python,
    not the package index.
    """
    try:
        found = run_uv(uv, project, "python", "find", "--quiet")
    except (OSError, subprocess.TimeoutExpired):
        return True  # let `uv lock` say what is wrong
    if found.returncode == 0:
        return True
    print(
        f"WARNING: no Python of this project ({', '.join(versions)}) is installed here: "
        f"install one (e.g. `uv python install {versions[0]}`), then run `uv lock`; "
        "until then `nox` fails saying the same"
    )
    return False


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
