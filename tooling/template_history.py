"""A throwaway git history of the template: render at one commit, update to a later one."""

import shutil
import subprocess
from pathlib import Path

from .environment import COMMAND_TIMEOUT, environment, tool
from .template import TEMPLATE

# Who commits in these throwaway repositories; the machine may have no git identity.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "template-tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "template-tests@example.com",
}
# What the working tree holds besides the template (the template's .gitignore, and .git).
NOT_THE_TEMPLATE = shutil.ignore_patterns(
    ".git", "__pycache__", "*.py[cod]", ".nox", ".ruff_cache", ".pytest_cache", ".venv", "_bake"
)


def git(folder: Path, *arguments: str) -> str:
    """Run git in `folder`; return what it printed, failing the test if git fails."""
    done = subprocess.run(
        ["git", *arguments],
        cwd=folder,
        env=environment(add=GIT_IDENTITY),
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def commit_all(folder: Path, message: str) -> str:
    """Commit everything in `folder`, a repository; return the new commit."""
    git(folder, "add", "--all")
    git(folder, "commit", "--quiet", f"--message={message}")
    return git(folder, "rev-parse", "HEAD")


def start_repository(folder: Path, message: str) -> str:
    """Make `folder` a git repository of one commit holding all of it; return that commit."""
    git(folder, "init", "--quiet", "--initial-branch=main")
    return commit_all(folder, message)


def template_repository(folder: Path) -> Path:
    """A repository whose one commit is the template as the working tree has it now."""
    shutil.copytree(TEMPLATE, folder, ignore=NOT_THE_TEMPLATE)
    start_repository(folder, "The template as it is")
    return folder


def edit(folder: Path, path: str, old: str, new: str) -> None:
    """Replace the one `old` in the file at `path` in `folder` with `new`."""
    file = folder / path
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    file.write_text(text.replace(old, new), encoding="utf-8")


def cruft(
    project: Path, *arguments: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the cruft command line in `project` (with `env` added), as a user would."""
    return subprocess.run(
        [tool("cruft"), *arguments],
        cwd=project,
        env=environment(add=env),
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )
