"""This machine's processes, read from /proc: which run from a folder, which are alive."""

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


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state, parent, ...); None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: the fields follow its last ")".
    return stat.rpartition(")")[2].split()


def alive(pid: int) -> bool:
    """Whether a process with this id exists and has not ended (a zombie has ended)."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def live_children(pid: int) -> list[int]:
    """The processes whose parent is `pid` and that have not ended."""
    children = []
    for process in Path("/proc").iterdir():
        fields = stat_fields(int(process.name)) if process.name.isdigit() else None
        if fields is not None and int(fields[1]) == pid and fields[0] != "Z":
            children.append(int(process.name))
    return children
