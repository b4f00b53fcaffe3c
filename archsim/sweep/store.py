"""Append-only results store of a sweep (points.jsonl): one JSON line per finished point, written
with a single write + fsync, so an interrupted sweep keeps every point it finished (resume)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from archsim.io import atomic_write_text


class ResultStore:
    """Records of evaluated points, keyed by point key; the last record of a key wins."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def clear(self) -> None:
        """Forget every earlier record (--fresh)."""
        atomic_write_text(self.path, "")

    def append(self, records: list[dict]) -> None:
        """Append records durably; a torn last line of an earlier crash is closed off first."""
        if not records:
            return
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
        with open(self.path, "a+b") as fh:
            if fh.tell() > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    text = "\n" + text
            fh.write(text.encode())
            fh.flush()
            os.fsync(fh.fileno())

    def read(self) -> dict[str, dict]:
        """key → latest complete record (unparsable, i.e. torn, lines are skipped)."""
        out: dict[str, dict] = {}
        if not self.path.is_file():
            return out
        with open(self.path) as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(rec, dict) and "key" in rec:
                    out[rec["key"]] = rec
        return out
