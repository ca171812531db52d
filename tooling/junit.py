"""Read the JUnit XML report a generated test session writes (test-results/<session>.xml)."""

import xml.etree.ElementTree as ElementTree
from pathlib import Path


def test_cases(results: Path) -> list[ElementTree.Element]:
    """The report's test cases, in order."""
    return list(ElementTree.parse(results).iter("testcase"))  # noqa: S314 (pytest's own report)


def case_names(results: Path, *, failed_only: bool = False) -> list[str]:
    """The names of the report's tests, in order; with `failed_only`, of the failed ones."""
    return [
        case.get("name", "")
        for case in test_cases(results)
        if not failed_only or case.find("failure") is not None
    ]


def case_modules(results: Path) -> set[str]:
    """The dotted names of the modules whose tests the report holds, none of them skipped."""
    cases = test_cases(results)
    assert not [case for case in cases if case.find("skipped") is not None], "a test was skipped"
    # pytest names a function's class after its module, a method's after the module's class.
    classes = {case.get("classname", "") for case in cases}
    return {
        name if name.rpartition(".")[2].startswith("test_") else name.rpartition(".")[0]
        for name in classes
    }
