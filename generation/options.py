"""Remove the files of the optional parts the answers switched off, as options.toml lists them."""

import shutil
import tomllib
from pathlib import Path
from typing import Any

OPTIONS_FILE = "options.toml"


def read_options(template: Path) -> dict[str, Any]:
    """The optional parts options.toml declares, by the yes/no answer that switches each."""
    return tomllib.loads((template / OPTIONS_FILE).read_text(encoding="utf-8"))


def switched_on(options: dict[str, Any], answers: dict[str, Any]) -> set[str]:
    """The `options` whose answer is yes, and so is the answer of each option they need."""
    return {
        answer
        for answer, option in options.items()
        if all(answers[name] for name in [answer, *option.get("needs", [])])
    }


def switched_off_files(template: Path, answers: dict[str, Any]) -> list[str]:
    """The project's files, by relative path, of each option that is off or lacks what it needs.

    `{package}` in a path is the project's package, as the template's folder names it.
    """
    options = read_options(template)
    on = switched_on(options, answers)
    files = []
    for answer, option in options.items():
        if answer not in on:
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
