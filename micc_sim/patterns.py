"""Regular expressions that a request sends (CloudLink filters, fault-injection paths, journal queries), run in
linear time.

Python's ``re`` backtracks: ``(a+)+$`` against thirty ``a`` and a ``b`` takes minutes, and the event loop with
it. Patterns that clients send are compiled with RE2 (``google-re2``), whose matching time grows with the
input's length only, and are refused when longer than :data:`MAX_PATTERN` characters or when RE2 cannot run
them (back-references, look-around: features that need backtracking). The caller turns
:class:`PatternError` into a 400 in its face's shape.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN = 1000  # characters; a filter or a path pattern is a line, not a program
MAX_PROGRAM_MEMORY = 8 << 20  # bytes RE2 may use for one compiled pattern (its default; said here for the docs)


class PatternError(ValueError):
    """A pattern that cannot be run in linear time, or is not one; the message says why."""


@lru_cache(maxsize=4096)
def compile_linear(pattern: str, ignore_case: bool = False, max_length: int = MAX_PATTERN) -> Any:
    """``pattern`` (Python ``re`` syntax, the subset RE2 reads) compiled for RE2: ``.search`` and ``.match``
    as ``re``'s; :class:`PatternError` when it is too long or RE2 cannot run it."""
    if not isinstance(pattern, str):
        raise PatternError("a pattern is a string")
    if len(pattern) > max_length:
        raise PatternError(f"the pattern is {len(pattern)} characters long; at most {max_length} are taken")
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    options.max_mem = MAX_PROGRAM_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        raise PatternError(f"not a pattern the simulator can run in linear time: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    text = exc.args[0] if exc.args else str(exc)
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if "perl operator" in text and any(op in text for op in ("(?=", "(?!", "(?<")):
        return f"{text} (look-ahead and look-behind need backtracking; RE2 has none)"
    if "escape sequence" in text and any(f"\\{d}" in text for d in "123456789"):
        return f"{text} (back-references need backtracking; RE2 has none)"
    return text
