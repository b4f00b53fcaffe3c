"""Atomic file output for every part of archsim: write a temporary file in the target folder,
then os.replace it over the target, so a reader never sees a half-written file.

Temporary files are named `.archsim-tmp.<name>.<random><suffix>`; one left behind by a killed
process is an orphan that the next writer of that output folder removes (archsim.reports.io).
Whole report folders (many files appearing together) are archsim.reports.io.StagedReport.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

TEMP_PREFIX = ".archsim-tmp."


@contextmanager
def atomic_output(path: str | Path):
    """Yield a temporary path next to `path`; on success it replaces `path` (os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMP_PREFIX}{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are ordinary readable files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_temp_file(name: str) -> bool:
    """Whether a file name is one of atomic_output's temporary files."""
    return name.startswith(TEMP_PREFIX)


def checkpoint_dir(out_dir: str | Path) -> Path:
    """Where a run writing its outputs to `out_dir` keeps its checkpoints (the one place for all runs).

    It lives inside the output folder and is carried over, never staged: a report commit keeps it,
    and a failed or killed run leaves it for `--resume` (archsim.reports.io.STATE_ENTRIES)."""
    return Path(out_dir) / "checkpoints"


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_output(path) as tmp:
        tmp.write_text(text)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def write_csv(df: pd.DataFrame, path: str | Path, float_format: str | None = None) -> None:
    with atomic_output(path) as tmp:
        df.to_csv(tmp, index=False, float_format=float_format)


def write_npz(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    with atomic_output(path) as tmp:
        np.savez(tmp, **arrays)


def save_figure(fig, path: str | Path, dpi: int = 120) -> None:
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
