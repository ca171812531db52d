"""Print the pip requirement, with hashes, of the uv that uv.lock pins (the image's uv is CI's)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def locked_uv_requirement(lock: Path) -> str:
    """`uv==<version> --hash=...` for every wheel of uv that the lock lists."""
    packages = tomllib.loads(lock.read_text(encoding="utf-8"))["package"]
    uv = next(package for package in packages if package["name"] == "uv")
    hashes = [f"--hash={wheel['hash']}" for wheel in uv["wheels"]]
    return " ".join([f"uv=={uv['version']}", *hashes])


if __name__ == "__main__":
    print(locked_uv_requirement(Path(sys.argv[1] if len(sys.argv) > 1 else "uv.lock")))
