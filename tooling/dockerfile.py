"""Read a Dockerfile as the tests need it: stages of instructions, exec-form commands.

Only the syntax the generated Dockerfile uses: one instruction per line or continued
with a trailing backslash, comments on lines of their own.
"""

import json
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    """One instruction: its keyword in upper case and the rest of it as written."""

    keyword: str
    arguments: str


@dataclass(frozen=True)
class Stage:
    """A FROM and the instructions up to the next one."""

    base: str
    name: str | None
    instructions: list[Instruction]

    def all(self, keyword: str) -> list[str]:
        """The arguments of each instruction with this keyword, in order."""
        return [i.arguments for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> str:
        """The arguments of the last instruction with this keyword."""
        found = self.all(keyword)
        assert found, f"no {keyword} in the stage FROM {self.base}"
        return found[-1]


def instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, continuation lines joined."""
    found = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped.removesuffix("\\").rstrip() + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation line"
    return found


def stages(path: Path) -> list[Stage]:
    """The build stages of a Dockerfile, in order."""
    found: list[Stage] = []
    for instruction in instructions(path.read_text(encoding="utf-8")):
        if instruction.keyword == "FROM":
            base, _, name = instruction.arguments.partition(" AS ")
            found.append(Stage(base.strip(), name.strip() or None, []))
        else:
            assert found, f"{instruction.keyword} before the first FROM"
            found[-1].instructions.append(instruction)
    return found


def exec_form(arguments: str) -> list[str]:
    """The argument list of a JSON exec-form command such as CMD ["python", "-m", "..."]."""
    command = json.loads(arguments)
    assert isinstance(command, list), f"not in exec form: {arguments}"
    assert all(isinstance(word, str) for word in command), arguments
    return command


def healthcheck_command(arguments: str) -> list[str]:
    """The command of a `HEALTHCHECK [options] CMD [...]` instruction."""
    _options, separator, command = arguments.partition("CMD ")
    assert separator, f"HEALTHCHECK without CMD: {arguments}"
    return exec_form(command)


def env_assignments(arguments: str) -> dict[str, str]:
    """The variables an `ENV KEY=value ...` instruction sets, quotes removed."""
    pairs = [word.partition("=") for word in shlex.split(arguments)]
    assert all(separator for _key, separator, _value in pairs), f"use ENV KEY=value: {arguments}"
    return {key: value for key, _separator, value in pairs}
