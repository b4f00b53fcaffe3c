"""Atomic output: a report is staged in a temporary folder and moved into place only when complete."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd


class StagedReport:
    """Collect report files in a hidden staging folder; `commit()` moves them into `out_dir`.

    If anything fails before commit, the staging folder is removed and `out_dir` keeps its old
    contents: no half-written report.
    """

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.stage_dir = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.out_dir))

    def path(self, name: str) -> Path:
        return self.stage_dir / name

    def text(self, name: str, text: str) -> None:
        self.path(name).write_text(text)

    def csv(self, name: str, df: pd.DataFrame) -> None:
        df.to_csv(self.path(name), index=False, float_format="%.6g")

    def commit(self) -> list[Path]:
        written = []
        for f in sorted(self.stage_dir.iterdir()):
            target = self.out_dir / f.name
            os.replace(f, target)
            written.append(target)
        shutil.rmtree(self.stage_dir, ignore_errors=True)
        return written

    def abort(self) -> None:
        shutil.rmtree(self.stage_dir, ignore_errors=True)

    def __enter__(self) -> "StagedReport":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
