"""Print the pip requirement, with hashes, of the uv that uv.lock pins (the image's uv is CI's)."""

import sys
import tomllib
from pathlib import Path

if __name__ == "__main__":
    lock = Path(sys.argv[1] if len(sys.argv) > 1 else "uv.lock")
    packages = tomllib.loads(lock.read_text(encoding="utf-8"))["package"]
    uv = next(package for package in packages if package["name"] == "uv")
    hashes = [f"--hash={wheel['hash']}" for wheel in uv["wheels"]]
    print(" ".join([f"uv=={uv['version']}", *hashes]))
