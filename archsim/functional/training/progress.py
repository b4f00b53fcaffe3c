"""Chunked iteration with an optional tqdm bar showing images/s (the numba loops run per chunk)."""

from __future__ import annotations

from collections.abc import Iterator

from tqdm import tqdm

CHUNK = 2000


def chunked(total: int, desc: str, progress: bool, chunk: int = CHUNK) -> Iterator[tuple[int, int, tqdm | None]]:
    """Yield (start, stop, bar) over range(total) in chunks; the bar advances after each chunk."""
    bar = tqdm(total=total, desc=desc, unit="img", leave=False, disable=not progress) if progress else None
    try:
        for start in range(0, total, chunk):
            stop = min(start + chunk, total)
            yield start, stop, bar
            if bar is not None:
                bar.update(stop - start)
    finally:
        if bar is not None:
            bar.close()
