"""The README's Quickstart, followed as written, and the next steps a render prints after it."""

import re
import subprocess
from pathlib import Path

import pytest

from tooling.environment import COMMAND_TIMEOUT, environment, tool
from tooling.template import TEMPLATE, render_cli

QUICKSTART = re.compile(r"^## Quickstart\n.*?^```console\n(?P<commands>.*?)^```$", re.DOTALL | re.M)
NEXT_STEP = re.compile(r"^ +(?P<command>uv sync && uv run invoke dev)\b", re.MULTILINE)


def quickstart_commands() -> list[str]:
    """The commands of the Quickstart's console block, in order."""
    match = QUICKSTART.search((TEMPLATE / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md has no Quickstart console block"
    return [line[2:] for line in match["commands"].splitlines() if line.startswith("$ ")]


def test_the_quickstart_leaves_no_virtual_environment_active() -> None:
    commands = quickstart_commands()

    assert any(command.startswith("cookiecutter ") for command in commands)
    assert not [command for command in commands if "/activate" in command]


@pytest.mark.pipeline
def test_the_next_steps_after_the_quickstart_print_no_uv_warning(tmp_path: Path) -> None:
    # As the Quickstart leaves the shell: the tools on PATH, no environment active.
    shell = environment(without={"VIRTUAL_ENV", "UV_PYTHON", "UV_PROJECT_ENVIRONMENT"})
    rendered = render_cli(tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    step = NEXT_STEP.search(rendered.stdout)
    assert step, rendered.stdout
    project = next(tmp_path.iterdir())

    # `invoke dev` would serve until stopped: `invoke --list` runs through `uv run` alike.
    for command in ([tool("uv"), "sync"], [tool("uv"), "run", "invoke", "--list"]):
        done = subprocess.run(
            command,
            cwd=project,
            env=shell,
            capture_output=True,
            text=True,
            check=False,
            timeout=COMMAND_TIMEOUT,
        )
        assert done.returncode == 0, done.stderr
        assert "warning" not in done.stderr.lower(), done.stderr
