"""Configuration errors: one clear line per problem, naming file, key path and what is allowed.

One truncation rule for every message: user values are quoted with `short_repr` (bounded work
even for a value built from a YAML alias bomb), and keys and messages are cut to
MESSAGE_MAX_CHARS; a file lists at most PROBLEMS_SHOWN problems and counts the rest.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archsim.config.limits import MESSAGE_MAX_CHARS, PROBLEMS_SHOWN, VALUE_MAX_CHARS

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = VALUE_MAX_CHARS, VALUE_MAX_CHARS, 40


def clip(text: str, limit: int = MESSAGE_MAX_CHARS) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(str(text).split()) if ("\n" in str(text) or "\r" in str(text)) else str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def short_repr(value: Any, limit: int = VALUE_MAX_CHARS) -> str:
    """A repr of a user value for a message: bounded depth and width, at most `limit` characters."""
    try:
        text = _REPR.repr(value)
    except Exception:  # noqa: BLE001 - a value's own __repr__ may fail; the message must not
        text = f"<{type(value).__name__}>"
    return clip(text, limit)


@dataclass(frozen=True)
class Problem:
    """One problem in one file: where (dotted key path) and what is wrong / allowed."""

    key: str
    message: str

    def __post_init__(self):
        object.__setattr__(self, "key", clip(self.key))
        object.__setattr__(self, "message", clip(self.message))


class ConfigError(Exception):
    """Raised for any invalid user input (YAML, CLI values, output folders); the CLI prints it and exits 2."""

    def __init__(self, file: str | Path | None, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        self.file = clip(str(file)) if file is not None else "<input>"
        self.problems = [p if isinstance(p, Problem) else Problem("", str(p)) for p in problems]
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = []
        for p in self.problems[:PROBLEMS_SHOWN]:
            where = f"{self.file}: {p.key}" if p.key else self.file
            lines.append(f"{where}: {p.message}")
        hidden = len(self.problems) - PROBLEMS_SHOWN
        if hidden > 0:
            lines.append(f"{self.file}: ... and {hidden} more problem{'s' if hidden > 1 else ''}")
        return "\n".join(lines)
