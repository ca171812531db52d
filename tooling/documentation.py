"""A rendered project's documentation: its README and the pages of its docs/."""

from pathlib import Path


def page(project: Path, name: str) -> str:
    """The text of one page of the project, such as `docs/operations.md`; "" when absent."""
    path = project / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def documentation(project: Path) -> str:
    """The README and every page of docs/, as one text."""
    pages = [project / "README.md", *sorted((project / "docs").glob("*.md"))]
    return "\n".join(path.read_text(encoding="utf-8") for path in pages)
