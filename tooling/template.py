"""The template, its default answers, and rendering it as a library and as a command."""

import json
import subprocess
import sys
from pathlib import Path

from cookiecutter.main import cookiecutter
from slugify import slugify

from generation.options import read_options, switched_on

from .environment import COMMAND_TIMEOUT, environment

TEMPLATE = Path(__file__).resolve().parents[1]
DEFAULTS = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
SUPPORTED_PYTHONS: list[str] = DEFAULTS["__supported_pythons"].split()
# The default project's import package, derived from its name as cookiecutter.json does.
DEFAULT_PACKAGE = slugify(slugify(DEFAULTS["project_name"]), separator="_")
DEFAULT_COVERAGE_THRESHOLD = int(DEFAULTS["coverage_threshold"])
OPTIONS = read_options(TEMPLATE)  # the optional parts, by the yes/no answer of each


def options_on(answers: dict[str, str]) -> set[str]:
    """The optional parts a render with these answers (`yes`/`no`, else the default) has."""
    chosen = {
        name: answers[name] == "yes" if name in answers else DEFAULTS[name] for name in OPTIONS
    }
    return switched_on(OPTIONS, chosen)


def render(output_dir: Path, **answers: str) -> Path:
    """Render the template with --no-input and the given answers; return the project."""
    project = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        extra_context=answers,
        output_dir=str(output_dir),
        default_config=True,
    )
    return Path(project)


def cookiecutter_command(
    *arguments: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the cookiecutter command line (with `env` added, in `cwd`); return its result.

    `python -m` puts `cwd` first on the import path: run in a template's folder (the
    tests' own), cookiecutter takes that template's local_extensions for any template.
    """
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", *arguments],
        env=environment(add=env),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )


def render_cli(
    output_dir: Path, *, env: dict[str, str] | None = None, **answers: str
) -> subprocess.CompletedProcess[str]:
    """Render with the command line, as a user would, answers on it; return its result."""
    return cookiecutter_command(
        "--no-input",
        "--default-config",
        f"--output-dir={output_dir}",
        str(TEMPLATE),
        *(f"{key}={value}" for key, value in answers.items()),
        env=env,
    )
