"""The processes still running from a folder: what a finished run must not leave behind."""

from __future__ import annotations

from pathlib import Path


def processes_from(folder: Path) -> list[str]:
    """The command lines of this machine's processes that name `folder` (or a path in it)."""
    found = []
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            words = (process / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        command = " ".join(word.decode(errors="replace") for word in words if word)
        if str(folder) in command:
            found.append(command)
    return found
