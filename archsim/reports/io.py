"""Whole report folders: a report appears complete or not at all, and one writer at a time.

Every writer of an output folder (`archsim run`, its functional and inference studies, `archsim
sweep`) writes through one StagedReport:

- it takes a lock (`.<name>.lock` beside the folder; a second writer gets a clear error);
- it writes the new version into a sibling staging folder `.<name>.staging-<id>`;
- `commit()` carries into the staging folder, as hard links, what the report does not replace:
  the live state (STATE_ENTRIES: checkpoints, a sweep's points.jsonl and per-point folders) and
  files a user put there; then it swaps the staging folder and the old folder in one atomic
  rename (Linux renameat2 RENAME_EXCHANGE). The old version stays whole until that instant, the
  new one is whole from it. Where the exchange is not available, two renames with recognisable
  names (`.<name>.new-<id>`, `.<name>.old-<id>`) are used, and the next writer finishes or undoes
  an interrupted swap;
- the next writer removes stale staging folders and orphan temporary files (archsim.io).

A file `.archsim-report.json` in the folder lists the files of the report (so that the next
version replaces exactly those). Plots that fail are left out with a note in summary.md; the
tables are always written. Disk full, a read-only location or an `--out` that is a file give
one clear error (ConfigError) and leave the previous contents as they were.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from archsim.config.errors import ConfigError, clip
from archsim.io import checkpoint_dir, is_temp_file

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX (Windows): no lock is taken
    fcntl = None

MANIFEST = ".archsim-report.json"
#: entries of an output folder that are live state, not part of one report version: never staged,
#: always carried over (checkpoints for --resume; a sweep's finished points and per-point runs)
STATE_ENTRIES = (checkpoint_dir(".").name, "points.jsonl", "points")
#: errors that mean "the output location cannot take the report", reported as a clear error
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR,
                 errno.EEXIST, errno.EISDIR, errno.ENAMETOOLONG, errno.EBUSY, errno.EXDEV}
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(ConfigError):
    """The output folder cannot be written (it is a file, read-only, full, locked by another writer)."""


def _renameat2():
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError, TypeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_EXCHANGE = _renameat2() if sys.platform.startswith("linux") else None


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths; False where the system or file system cannot."""
    if _EXCHANGE is None:
        return False
    if _EXCHANGE(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory and hasattr(os, "O_DIRECTORY") else 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF):  # some file systems cannot fsync a folder
            raise
    finally:
        os.close(fd)


def describe(exc: OSError) -> str:
    """'No space left on device (writing energy.csv)': an OSError in one line, without a traceback."""
    what = exc.strerror or str(exc)
    where = f" ({Path(exc.filename).name})" if exc.filename else ""
    return f"{what}{where}"


class OutputLock:
    """An exclusive lock on one output folder: a file `.<name>.lock` beside it, held with flock
    (released by the system if the process dies, so a killed run never leaves a stale lock)."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.path = out_dir.parent / f".{out_dir.name}.lock"
        self.fd: int | None = None

    def acquire(self) -> "OutputLock":
        if fcntl is None:  # pragma: no cover
            return self
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise OutputError(self.out_dir, f"another archsim process (pid {holder}) is writing this folder; "
                                                "wait for it to finish or choose another --out") from None
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            mine = os.fstat(fd)
            if current is None or (current.st_ino, current.st_dev) != (mine.st_ino, mine.st_dev):
                os.close(fd)        # the previous holder removed this lock file as we opened it: retry
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self.fd = fd
            return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.close(self.fd)
        self.fd = None


def output_folder(out_dir: str | Path) -> Path:
    """The absolute, resolved report folder for `out_dir`, checked before any work is done."""
    path = Path(os.path.abspath(Path(out_dir).expanduser()))
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.exists() and not path.is_dir():
        raise OutputError(path, "is a file, not a folder; --out names the folder the report goes to")
    real, cwd = path.resolve(), Path.cwd().resolve()
    if real == real.parent or real == cwd or real in cwd.parents:
        raise OutputError(path, "is the current folder or one above it; give the report its own folder, "
                                "e.g. --out reports/NAME")
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(path, f"cannot create its parent folder: {describe(exc)}") from None
    return real


def _siblings(out_dir: Path, *kinds: str) -> list[Path]:
    """Staging / new / old folders of `out_dir` (oldest first); the name must match exactly (a folder
    called `rep.staging-x` beside `rep` is somebody else's)."""
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.({'|'.join(kinds)})-[a-z0-9_]{{8}}")
    found = [Path(e.path) for e in os.scandir(out_dir.parent) if pattern.fullmatch(e.name) and e.is_dir()]
    return sorted(found, key=lambda p: p.stat().st_mtime_ns)


def recover(out_dir: Path) -> list[Path]:
    """Finish or undo a swap interrupted by a kill, then remove stale staging folders and orphan
    temporary files. Call only while holding the folder's lock. Returns what was removed."""
    if not out_dir.exists():
        complete, previous = _siblings(out_dir, "new"), _siblings(out_dir, "old")
        if complete:
            os.rename(complete[-1], out_dir)     # the swap had passed its point of no return
        elif previous:
            os.rename(previous[-1], out_dir)     # the new version never became complete
    removed = _siblings(out_dir, "staging", "new", "old")
    for p in removed:
        shutil.rmtree(p, ignore_errors=True)
    if out_dir.is_dir():
        for name in (*STATE_ENTRIES, "."):
            top = out_dir / name
            for root, _, files in os.walk(top) if top.is_dir() else ():
                for f in files:
                    if is_temp_file(f):
                        Path(root, f).unlink(missing_ok=True)
                        removed.append(Path(root, f))
                if name == ".":
                    break                        # the folder itself: top level only
    return removed


def _link_tree(src: Path, dst: Path) -> None:
    """Hard-link a file, or recreate a folder of hard links (copies where links are not possible)."""
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        dst.mkdir()
        for entry in os.scandir(src):
            if not is_temp_file(entry.name):
                _link_tree(Path(entry.path), dst / entry.name)
    elif src.is_file():
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)


def _manifest(out_dir: Path) -> set[str] | None:
    try:
        return set(json.loads((out_dir / MANIFEST).read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class StagedReport:
    """One new version of a report folder, written in a staging folder and swapped in by commit().

    Use as a context manager: an exception (or leaving without commit) removes the staging folder
    and leaves `out_dir` exactly as it was; OSErrors about the output become OutputError.
    """

    def __init__(self, out_dir: str | Path, writer: str = "archsim"):
        self.out_dir = output_folder(out_dir)
        self.writer = writer
        self.notes: list[str] = []
        self.committed = False
        self._lock = OutputLock(self.out_dir)
        try:
            self._lock.acquire()
            recover(self.out_dir)
            self._refuse_foreign_folder()
            self.stage_dir = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.staging-", dir=self.out_dir.parent))
        except OSError as exc:
            self._lock.release()
            raise OutputError(self.out_dir, f"cannot write here: {describe(exc)}") from None
        except BaseException:
            self._lock.release()
            raise

    def _refuse_foreign_folder(self) -> None:
        """A folder without a manifest may hold files (an older report) but no foreign sub-folders:
        replacing it must never sweep up somebody's project."""
        if not self.out_dir.is_dir() or _manifest(self.out_dir) is not None:
            return
        folders = sorted(e.name for e in os.scandir(self.out_dir)
                         if e.is_dir(follow_symlinks=False) and e.name not in STATE_ENTRIES)
        if folders:
            shown = ", ".join(folders[:5]) + (", ..." if len(folders) > 5 else "")
            raise OutputError(self.out_dir, f"already holds folders archsim did not write ({shown}); give the report "
                                            "a new or empty folder")

    # -- writing -----------------------------------------------------------------------------------
    @property
    def checkpoints(self) -> Path:
        """Checkpoints of this output (live, outside the staging folder: they survive a failed run)."""
        return checkpoint_dir(self.out_dir)

    def path(self, name: str) -> Path:
        """Where file `name` of the new version is written (sub-folders are created)."""
        p = self.stage_dir / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def text(self, name: str, text: str) -> None:
        self.path(name).write_text(text)

    def csv(self, name: str, df: pd.DataFrame) -> None:
        df.to_csv(self.path(name), index=False, float_format="%.6g")

    def plot(self, name: str, draw: Callable[..., Any], *args, **kwargs) -> Any:
        """draw(*args, path, **kwargs) → its result; a plot that fails (other than by an OSError of the
        output) is left out with a warning and a note in summary.md, and the report goes on."""
        try:
            return draw(*args, self.path(name), **kwargs)
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001 - a figure must never cost the tables
            import matplotlib.pyplot as plt

            plt.close("all")
            self.path(name).unlink(missing_ok=True)
            note = f"{name} was not drawn: {type(exc).__name__}: {clip(str(exc), 200)}"
            self.notes.append(note)
            print(f"warning: {self.out_dir / name}: not drawn ({type(exc).__name__}: {clip(str(exc), 200)}); "
                  "the tables are complete", file=sys.stderr)
            return None

    @property
    def files(self) -> list[Path]:
        """Final paths of the files of the new version (as they will be after commit)."""
        return sorted(self.out_dir / p.relative_to(self.stage_dir) for p in self.stage_dir.rglob("*")
                      if p.is_file() and not is_temp_file(p.name))

    # -- commit ------------------------------------------------------------------------------------
    def commit(self) -> list[Path]:
        """Swap the complete new version in (see the module docstring); returns its files."""
        try:
            if self.notes and (self.stage_dir / "summary.md").is_file():
                with open(self.stage_dir / "summary.md", "a") as fh:
                    fh.write("\n## Figures not drawn\n\n" + "".join(f"- {n}\n" for n in self.notes))
            produced = sorted(e.name for e in os.scandir(self.stage_dir) if not is_temp_file(e.name))
            files = self.files
            for p in files:
                _fsync(self.stage_dir / p.relative_to(self.out_dir))
            self._carry_over(set(produced))
            (self.stage_dir / MANIFEST).write_text(json.dumps({"writer": self.writer, "files": produced},
                                                              indent=1) + "\n")
            os.chmod(self.stage_dir, 0o755)   # mkdtemp makes 0700; a report is an ordinary folder
            _fsync(self.stage_dir, directory=True)
            old = self._swap()
        except OSError as exc:
            self.abort()
            raise OutputError(self.out_dir, f"cannot write the report: {describe(exc)}; the previous report "
                                            "is unchanged") from None
        self.committed = True
        try:
            _fsync(self.out_dir.parent, directory=True)
        except OSError:
            pass                               # the new version is in place; durability is best effort here
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        self._lock.release()
        return files

    def _carry_over(self, produced: set[str]) -> None:
        """Link into the new version what it does not replace: state and files a user put there."""
        if not self.out_dir.is_dir():
            return
        ours = _manifest(self.out_dir) or set()
        for entry in os.scandir(self.out_dir):
            name = entry.name
            if name in produced or name == MANIFEST or is_temp_file(name):
                continue
            if name in ours and name not in STATE_ENTRIES:
                continue            # a file of the previous version that this version no longer has
            _link_tree(Path(entry.path), self.stage_dir / name)

    def _swap(self) -> Path | None:
        """Put the staging folder at out_dir; returns where the previous version now is (or None)."""
        if not self.out_dir.exists():
            os.rename(self.stage_dir, self.out_dir)
            return None
        if exchange(self.stage_dir, self.out_dir):
            return self.stage_dir
        tag = self.stage_dir.name.rsplit("staging-", 1)[-1]
        new, old = (self.out_dir.parent / f".{self.out_dir.name}.{k}-{tag}" for k in ("new", "old"))
        os.rename(self.stage_dir, new)    # complete: from here on, recover() would finish the swap
        self.stage_dir = new
        os.rename(self.out_dir, old)
        try:
            os.rename(new, self.out_dir)
        except OSError:
            os.rename(old, self.out_dir)  # put the previous version back
            raise
        return old

    def abort(self) -> None:
        """Drop the new version; out_dir keeps its previous contents."""
        shutil.rmtree(self.stage_dir, ignore_errors=True)
        self._lock.release()

    def __enter__(self) -> "StagedReport":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.committed:
            return
        self.abort()
        if isinstance(exc, OSError) and self._about_output(exc):
            raise OutputError(self.out_dir, f"cannot write the report: {describe(exc)}; the previous report is "
                                            "unchanged") from None

    def _about_output(self, exc: OSError) -> bool:
        """Whether an OSError is the output location failing (full, read-only, ...) rather than, say, a
        missing data file: those are reported as such, the others propagate unchanged."""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS):
            return True
        if exc.errno not in OUTPUT_ERRNOS or not exc.filename:
            return False
        p = Path(os.path.abspath(os.fsdecode(exc.filename)))
        return any(p == d or d in p.parents for d in (self.out_dir, self.stage_dir))


@contextmanager
def staged_report(out: str | Path | StagedReport, writer: str = "archsim"):
    """A StagedReport for `out`, committed when the block ends; given a StagedReport (an enclosing
    writer's), yields it as it is: the enclosing writer commits, so all its files appear together."""
    if isinstance(out, StagedReport):
        yield out
        return
    with StagedReport(out, writer) as rep:
        yield rep
        rep.commit()
