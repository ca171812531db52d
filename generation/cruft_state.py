"""Record the answers in `.cruft.json`, in cruft's format, so that `cruft update` works.

Cookiecutter alone renders no such file; under cruft, which writes it itself after the
hooks, nothing changes.
"""

import json
import subprocess
from pathlib import Path
from typing import Any

# Cookiecutter's notes on this rendering: folders of this machine, meaningless anywhere
# else, and the checkout asked for, which `.cruft.json` keeps as `checkout`, as cruft does.
MACHINE_LOCAL_KEYS = frozenset({"_output_dir", "_repo_dir", "_checkout"})


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
