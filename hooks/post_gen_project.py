"""Finish the rendered project: drop what the answers switched off, record the answers, lock.

Runs inside the new project folder. Only the lock needs the network (the package index):
without it the project is still complete, and the hook says how to make the lock later.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

IMAGE_FILES = ("Dockerfile", ".dockerignore")
# The image gate's tests (`nox -s image`).
IMAGE_TESTS = "tests/image"
# The Kubernetes manifests, and the unit test that holds them to the service's settings.
KUBERNETES_FOLDER = "deploy"
KUBERNETES_TEST = "tests/unit/test_deploy.py"

# Cookiecutter's notes on this rendering: folders of this machine, meaningless anywhere
# else, and the checkout asked for, which `.cruft.json` keeps as `checkout`, as cruft does.
MACHINE_LOCAL_KEYS = frozenset({"_output_dir", "_repo_dir", "_checkout"})

# The same line the project's first nox gate prints when uv.lock is missing (noxfile.py).
MISSING_LOCK = "no uv.lock: run `uv lock` (it needs the package index) and commit uv.lock"
# Resolving with a warm cache takes about a second; a network that never answers is cut short.
LOCK_TIMEOUT = 120


def remove_switched_off_files(project: Path, answers: dict[str, Any]) -> None:
    """Delete the files of the options the answers switched off.

    The manifests run the image: without it, there are none whatever include_kubernetes says.
    """
    if not answers["include_image"]:
        for name in IMAGE_FILES:
            (project / name).unlink()
        shutil.rmtree(project / IMAGE_TESTS)
    if not (answers["include_image"] and answers["include_kubernetes"]):
        shutil.rmtree(project / KUBERNETES_FOLDER)
        (project / KUBERNETES_TEST).unlink()


def record_answers(project: Path, answers: dict[str, Any], template: Path) -> None:
    """Write `.cruft.json`: the answers, and the template's source and commit to update from.

    The format is cruft's, so `cruft update` works on a project rendered by cookiecutter
    alone (under cruft, which writes this file itself after the hook, nothing changes), and
    its `context` member is a cookiecutter replay file. Without a source another machine
    can fetch, `template` and `commit` are left out: the README says how to add them.
    """
    source, commit = template_origin(template)
    # In cookiecutter.json's order, as cruft writes them (the hook receives them sorted).
    order = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    keys = [key for key in order if key in answers] + sorted(answers.keys() - order.keys())
    left_out = MACHINE_LOCAL_KEYS | {"_template", "_commit"}
    context = {key: answers[key] for key in keys if key not in left_out}
    state: dict[str, Any] = {}
    if source and commit:
        context |= {"_template": source, "_commit": commit}
        state |= {"template": source, "commit": commit}
    state |= {
        "checkout": answers.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": None,
    }
    text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": "))
    (project / ".cruft.json").write_text(text + "\n", encoding="utf-8")


def template_origin(template: Path) -> tuple[str | None, str | None]:
    """The URL and commit of the git checkout the template was rendered from, if public.

    For a remote template, that is cookiecutter's or cruft's clone of it, whose `origin`
    is the URL it was cloned from. A template folder that is not a checkout of its own
    (inside some other repository, say), or whose origin is a folder, has neither.
    """
    top = git_output(template, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != template.resolve():
        return None, None
    source = git_output(template, "config", "--get", "remote.origin.url")
    if source is None or not fetchable_elsewhere(source):
        return None, None
    return source, git_output(template, "rev-parse", "HEAD")


def fetchable_elsewhere(source: str) -> bool:
    """Whether git's name for a repository reaches it from another machine.

    A URL does, unless it is `file://`; so does scp-like `[user@]host:path`. Anything
    else is a folder of this machine (`C:/...` included: a one-letter host is a drive).
    """
    scheme, separator, _rest = source.partition("://")
    if separator:
        return scheme.lower() != "file"
    host, colon, _path = source.partition(":")
    return bool(colon) and len(host) > 1 and "/" not in host


def git_output(folder: Path, *arguments: str) -> str | None:
    """What a git command prints in `folder`, or None when git or the answer is missing."""
    try:
        done = subprocess.run(  # noqa: S603 (git, with fixed arguments)
            ["git", "-C", str(folder), *arguments],  # noqa: S607 (git from PATH, as cookiecutter does)
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


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


def warn_of_missing_postgres(project: Path) -> None:
    """Say in one line what a local run needs when the project's PostgreSQL major is not here."""
    sys.path.insert(0, str(project))
    sys.dont_write_bytecode = True  # no __pycache__/ in the new project
    from tools.postgres_binaries import local_run_note  # the project's own; standard library only

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


def main() -> None:
    """Finish the project in the current directory."""
    # The answers arrive as one JSON document so that no answer can break this file's
    # syntax; read here, not at import, so that tests can import the functions above.
    answers = json.loads({{cookiecutter | jsonify | tojson}})
    template = Path({{template_folder | default(cookiecutter._repo_dir) | tojson}})
    project = Path.cwd()
    remove_switched_off_files(project, answers)
    record_answers(project, answers, template)
    lock(project, answers["__python_versions"].split())
    warn_of_missing_postgres(project)
    if "_repo_dir" in answers:
        # Cookiecutter, not cruft: cruft also runs this hook in each render it makes to
        # compute an update or a diff, where these steps would be wrong.
        print_next_steps(project)


if __name__ == "__main__":
    main()
