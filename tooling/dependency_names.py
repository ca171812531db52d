"""The distributions a rendered project installs and the top-level modules of each.

answers.py refuses a project whose package would shadow one of those modules, or whose
name is one of those distributions. `nox -s dependency-names` writes them, from a real
environment of a fresh render (every option on, every dependency group), to dependency_names.json;
tests/test_dependency_names.py checks that the file is current.
"""

import json
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from answers import normalised

from . import stdlib_names
from .environment import COMMAND_TIMEOUT, environment, tool
from .template import OPTIONS, TEMPLATE, render

NAMES_FILE = TEMPLATE / "dependency_names.json"
NOT_MODULES = {"__pycache__", "..", "bin"}
# Every optional part switched on: what any render may install is reserved.
EVERY_OPTION = dict.fromkeys(OPTIONS, "yes")


def top_level_modules(distribution: metadata.Distribution) -> list[str]:
    """The names a distribution makes importable: its top-level packages and modules."""
    if listed := distribution.read_text("top_level.txt"):
        return sorted({name.strip() for name in listed.splitlines() if name.strip()})
    modules = set()
    for file in distribution.files or []:
        top = file.parts[0]
        if top in NOT_MODULES or top.endswith((".dist-info", ".data", ".pth")):
            continue
        if len(file.parts) == 1:
            if top.endswith((".py", ".so", ".pyd")):
                modules.add(top.split(".")[0])
        else:
            modules.add(top)
    return sorted(name for name in modules if name.isidentifier())


def installed(site_packages: Path) -> dict[str, list[str]]:
    """Each distribution installed in a site-packages folder, with its top-level modules."""
    return {
        normalised(distribution.metadata["Name"]): top_level_modules(distribution)
        for distribution in metadata.distributions(path=[str(site_packages)])
    }


def dependency_names(workdir: Path) -> dict[str, list[str]]:
    """What a render with every option installs (every group), its own package left out."""
    project = render(workdir, **EVERY_OPTION)
    venv = workdir / "venv"
    subprocess.run(
        [tool("uv"), "sync", "--quiet", "--locked", "--all-groups", "--no-install-project"],
        cwd=project,
        env=environment(without_prefixes=("UV_",), add={"UV_PROJECT_ENVIRONMENT": str(venv)}),
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    [site_packages] = venv.glob("lib/python*/site-packages")
    return dict(sorted(installed(site_packages).items()))


def main() -> None:
    """Write dependency_names.json from a fresh render, and stdlib_module_names.json."""
    with tempfile.TemporaryDirectory() as scratch:
        names = dependency_names(Path(scratch))
    NAMES_FILE.write_text(json.dumps(names, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} distributions to {NAMES_FILE.name}", file=sys.stderr)
    stdlib_names.write()
    print(f"wrote {stdlib_names.STDLIB_FILE.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
