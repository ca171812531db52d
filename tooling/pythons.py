"""Which of the supported Pythons this machine can run."""

import functools
import subprocess

from .environment import COMMAND_TIMEOUT
from .template import SUPPORTED_PYTHONS


def python_is_installed(version: str) -> bool:
    """Whether `pythonX.Y` runs here (a pyenv shim without that version does not)."""
    try:
        probe = subprocess.run(
            [f"python{version}", "-c", ""],
            capture_output=True,
            check=False,
            timeout=COMMAND_TIMEOUT,
        )
    except FileNotFoundError:
        return False
    return probe.returncode == 0


@functools.cache
def installed_pythons() -> tuple[str, ...]:
    """The supported Pythons installed here, oldest first; probed once, when first asked."""
    return tuple(version for version in SUPPORTED_PYTHONS if python_is_installed(version))
