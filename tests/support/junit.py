"""Read the JUnit XML report a generated test session writes (test-results/<session>.xml)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path


def case_names(results: Path, *, failed_only: bool = False) -> list[str]:
    """The names of the report's tests, in order; with `failed_only`, of the failed ones."""
    cases = ElementTree.parse(results).iter("testcase")  # noqa: S314 (pytest's own report)
    return [
        case.get("name", "")
        for case in cases
        if not failed_only or case.find("failure") is not None
    ]
