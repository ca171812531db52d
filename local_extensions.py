"""Jinja filters that write answers into generated files as valid string literals."""

from __future__ import annotations

import json

from cookiecutter.utils import simple_filter


@simple_filter
def toml_string(value: object) -> str:
    """Return the value as a TOML basic string.

    JSON's escaping covers quotes, backslashes and control characters; DEL is escaped
    too because TOML forbids it raw. Other characters stay as they are, so no
    surrogate-pair escapes (which TOML rejects) are produced.
    """
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


@simple_filter
def python_string(value: object) -> str:
    """Return the value as a Python string literal quoted the way ruff format quotes it.

    Double quotes, unless the text holds more double than single quotes.
    """
    text = str(value)
    quote = "'" if text.count('"') > text.count("'") else '"'
    parts = []
    for char in text:
        if char in {"\\", quote}:
            parts.append("\\" + char)
        elif char.isprintable():
            parts.append(char)
        else:
            parts.append(repr(char)[1:-1])  # \t, \n, \x00, \u200b, ...
    return quote + "".join(parts) + quote
