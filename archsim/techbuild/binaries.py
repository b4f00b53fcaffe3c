"""The C++ programs behind the CACTI and NeuroSim component models: check that they run, rebuild them if not.

hwcomponents-cacti and hwcomponents-neurosim ship prebuilt executables. Built against a newer C
library than some machines have (hwcomponents-cacti 1.0.40 needs GLIBC 2.38), they fail to start
there, and every model query then fails deep inside the package. Both wheels also ship the sources,
so `ensure_binaries()` probes each executable once and, if it does not start, rebuilds it from those
sources with `make` (CACTI ≈ 1 min, NeuroSim ≈ 1–3 min on 2 cores), exactly as the packages' own
build does, and installs the result atomically in place of the shipped file. A machine without
`make`/`g++`, or a read-only install, gets one line saying what to do instead of a traceback.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from archsim.techbuild import ComponentsUnavailable

PROBE_TIMEOUT_S = 60
BUILD_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Program:
    """One shipped executable: where it lives, how to probe it, how to rebuild it from the shipped source."""

    name: str                 # shown to users
    package: str              # import name of the hwcomponents plug-in that ships it
    distribution: str         # its pip name
    executable: str           # path inside the package
    probe_args: tuple[str, ...]
    probe_marker: str         # text the program prints when it starts (its usage message)
    source: str               # folder inside the package with the sources and makefile
    overlay: str | None       # folder copied over the sources before building (NeuroSim's drop_in/)
    remove: tuple[str, ...]   # build leftovers to delete first (objects compiled against the newer libc)
    built: str                # the executable inside the build folder after `make`


PROGRAMS = (
    Program(name="CACTI", package="hwcomponents_cacti", distribution="hwcomponents-cacti",
            executable="cacti/cacti", probe_args=("-h",), probe_marker="CACTI",
            source="cacti", overlay=None, remove=("obj_dbg", "obj_opt", "cacti"), built="cacti"),
    Program(name="NeuroSim", package="hwcomponents_neurosim", distribution="hwcomponents-neurosim",
            executable="NeuroSim/main", probe_args=(), probe_marker="Usage:",
            source="DNN_NeuroSim_V1.3/Inference_pytorch/NeuroSIM", overlay="drop_in",
            remove=("main",), built="main"),
)


def package_dir(package: str) -> Path | None:
    """Folder of an installed package, without importing it (None when not installed)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def probe(exe: Path, args: tuple[str, ...], marker: str, cwd: Path) -> str | None:
    """None when `exe` starts and prints `marker`; else the first line of what went wrong."""
    if not exe.is_file():
        return f"{exe} is missing"
    try:
        out = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True,
                             timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{exe} does not start: {exc}"
    text = (out.stdout or "") + (out.stderr or "")
    if marker in text:
        return None
    first = next((line.strip() for line in text.splitlines() if line.strip()), f"exit status {out.returncode}")
    return first.replace(f"{exe}: ", "").replace(f" (required by {exe})", "")


def _rebuild(prog: Program, root: Path, exe: Path) -> None:
    """Build `prog` from its shipped source in a scratch copy and install the executable atomically."""
    for tool in ("make", "g++"):
        if shutil.which(tool) is None:
            raise ComponentsUnavailable(
                f"{prog.name} ({prog.distribution}) does not run on this machine and cannot be rebuilt: `{tool}` "
                f"not found; install make and g++ (Debian: apt-get install build-essential), then run "
                f"`archsim tech setup`")
    if not os.access(exe.parent, os.W_OK):
        raise ComponentsUnavailable(
            f"{prog.name} ({prog.distribution}) does not run on this machine and its folder {exe.parent} is "
            f"read-only; install archsim[components] into a virtual environment you own, then run "
            f"`archsim tech setup`")
    jobs = str(max(1, os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix=f"archsim-{prog.name.lower()}-") as tmp:
        work = Path(tmp) / "src"
        shutil.copytree(root / prog.source, work, symlinks=True)
        if prog.overlay:
            shutil.copytree(root / prog.overlay, work, dirs_exist_ok=True)
        for leftover in prog.remove:
            p = work / leftover
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
        log = Path(tmp) / "make.log"
        with open(log, "w") as fh:
            try:
                rc = subprocess.run(["make", "-j", jobs], cwd=work, stdout=fh, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, timeout=BUILD_TIMEOUT_S).returncode
            except subprocess.TimeoutExpired:
                rc = -1
        built = work / prog.built
        if rc != 0 or not built.is_file():
            tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-3:])
            raise ComponentsUnavailable(
                f"rebuilding {prog.name} from the sources shipped in {prog.distribution} failed (make exit status "
                f"{rc}): {tail}")
        staged = exe.with_name(exe.name + ".archsim-new")
        shutil.copy2(built, staged)
        os.chmod(staged, 0o755)
        os.replace(staged, exe)


def ensure_binaries(say: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
                    programs: tuple[Program, ...] = PROGRAMS) -> dict[str, str]:
    """Probe each shipped executable; rebuild the ones that do not start (once, under a lock).

    Returns {program name: 'ok' | 'rebuilt' | 'not installed'}. Raises ComponentsUnavailable (one clear line)
    when a program can be neither run nor rebuilt.
    """
    status: dict[str, str] = {}
    for prog in programs:
        root = package_dir(prog.package)
        if root is None:
            status[prog.name] = "not installed"
            continue
        exe = root / prog.executable
        lock_path = root / ".archsim-rebuild.lock"
        try:
            lock = open(lock_path, "w")
        except OSError:
            lock = None
        try:
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)  # a concurrent process rebuilding the same install waits here
            problem = probe(exe, prog.probe_args, prog.probe_marker, exe.parent)
            if problem is None:
                status[prog.name] = "ok"
                continue
            say(f"archsim: the {prog.name} executable shipped in {prog.distribution} does not run here "
                f"({problem}); rebuilding it from the shipped sources with make (about 1-3 minutes, once) ...")
            _rebuild(prog, root, exe)
            problem = probe(exe, prog.probe_args, prog.probe_marker, exe.parent)
            if problem is not None:
                raise ComponentsUnavailable(
                    f"{prog.name} was rebuilt from {prog.distribution}'s sources but still does not run: {problem}")
            say(f"archsim: {prog.name} rebuilt and installed at {exe}")
            status[prog.name] = "rebuilt"
        finally:
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)
                lock.close()
    return status

