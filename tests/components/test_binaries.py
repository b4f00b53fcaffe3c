"""The CACTI/NeuroSim rebuild step, on a stand-in package whose 'binary' fails like the shipped ones do:
detected, rebuilt once from the shipped source with make, installed in place; and a clear line when it
cannot be (no real compiler run: these tests take milliseconds and run on every interpreter)."""

from __future__ import annotations

import shutil
import stat

import pytest

from archsim.techbuild import ComponentsUnavailable
from archsim.techbuild.binaries import Program, ensure_binaries

BROKEN = "#!/bin/sh\necho \"$0: /lib/x86_64-linux-gnu/libc.so.6: version \\`GLIBC_2.38' not found\" >&2\nexit 1\n"
MAKEFILE = "all:\n\tprintf '#!/bin/sh\\necho \"Usage: toy\"\\n' > toy && chmod +x toy\n"


def _package(tmp_path, monkeypatch, makefile: str = MAKEFILE):
    pkg = tmp_path / "toy_components"
    (pkg / "src").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "src" / "Makefile").write_text(makefile)
    (pkg / "src" / "obj_dbg").mkdir()  # a leftover object folder, removed before building
    exe = pkg / "bin" / "toy"
    exe.parent.mkdir()
    exe.write_text(BROKEN)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.syspath_prepend(str(tmp_path))
    prog = Program(name="Toy", package="toy_components", distribution="toy-components", executable="bin/toy",
                   probe_args=(), probe_marker="Usage:", source="src", overlay=None, remove=("obj_dbg",),
                   built="toy")
    return prog, exe


@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_broken_binary_is_rebuilt_once_and_then_left_alone(tmp_path, monkeypatch):
    prog, exe = _package(tmp_path, monkeypatch)
    said: list[str] = []
    assert ensure_binaries(said.append, (prog,)) == {"Toy": "rebuilt"}
    assert "GLIBC_2.38" in said[0] and "rebuilding it from the shipped sources" in said[0]
    assert "Usage: toy" in exe.read_text()
    assert (tmp_path / "toy_components" / "src" / "obj_dbg").is_dir()  # the build ran in a scratch copy
    said.clear()
    assert ensure_binaries(said.append, (prog,)) == {"Toy": "ok"} and said == []


def test_failed_build_is_one_clear_line(tmp_path, monkeypatch):
    if shutil.which("make") is None or shutil.which("g++") is None:
        pytest.skip("make / g++ not installed")
    prog, exe = _package(tmp_path, monkeypatch, makefile="all:\n\t@echo 'toy.cc:1: error: oops' && false\n")
    with pytest.raises(ComponentsUnavailable) as exc:
        ensure_binaries(lambda m: None, (prog,))
    msg = str(exc.value)
    assert "rebuilding Toy from the sources shipped in toy-components failed" in msg and "oops" in msg
    assert "\n" not in msg and "GLIBC" in exe.read_text()  # the shipped file is untouched


def test_missing_compiler_says_what_to_install(tmp_path, monkeypatch):
    prog, _ = _package(tmp_path, monkeypatch)
    monkeypatch.setattr(shutil, "which", lambda tool: None)
    with pytest.raises(ComponentsUnavailable) as exc:
        ensure_binaries(lambda m: None, (prog,))
    assert "`make` not found" in str(exc.value) and "build-essential" in str(exc.value)


def test_not_installed_is_reported_not_rebuilt(monkeypatch):
    prog = Program(name="Ghost", package="no_such_package_archsim", distribution="ghost", executable="x",
                   probe_args=(), probe_marker="x", source="s", overlay=None, remove=(), built="x")
    assert ensure_binaries(lambda m: None, (prog,)) == {"Ghost": "not installed"}
