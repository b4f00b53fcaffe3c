"""Configuration errors: one clear line per problem, naming file, key path and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem in one file: where (dotted key path) and what is wrong / allowed."""

    key: str
    message: str


class ConfigError(Exception):
    """Raised for any invalid user input (YAML, CLI values); the CLI prints it and exits 2."""

    def __init__(self, file: str | Path | None, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        self.file = str(file) if file is not None else "<input>"
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = []
        for p in self.problems:
            where = f"{self.file}: {p.key}" if p.key else self.file
            lines.append(f"{where}: {p.message}")
        return "\n".join(lines)
