"""Remove the files of the optional parts the answers switched off, as options.toml lists them."""

import shutil
import tomllib
from pathlib import Path
from typing import Any

OPTIONS_FILE = "options.toml"


def switched_off_files(template: Path, answers: dict[str, Any]) -> list[str]:
    """The project's files, by relative path, of each option that is off or lacks what it needs.

    `{package}` in a path is the project's package, as the template's folder names it.
    """
    options = tomllib.loads((template / OPTIONS_FILE).read_text(encoding="utf-8"))
    files = []
    for answer, option in options.items():
        if not all(answers[name] for name in [answer, *option.get("needs", [])]):
            files += [name.replace("{package}", answers["__package"]) for name in option["files"]]
    return files


def remove_switched_off_files(project: Path, template: Path, answers: dict[str, Any]) -> None:
    """Delete the files and folders of the options the answers switched off."""
    for name in switched_off_files(template, answers):
        path = project / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
