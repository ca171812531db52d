"""Jinja filters the template uses to write answers safely into generated files."""

from __future__ import annotations

import json

from cookiecutter.utils import simple_filter


@simple_filter
def quoted(value: object) -> str:
    """Return the value as a double-quoted string literal valid in Python, TOML and YAML.

    JSON's escaping covers quotes, backslashes and control characters; DEL is escaped
    too because TOML forbids it raw. Other characters stay as they are, so no
    surrogate-pair escapes (which TOML rejects) are produced.
    """
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
