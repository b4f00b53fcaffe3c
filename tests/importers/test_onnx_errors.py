"""Malformed ONNX files: each gives exit status 2 and a message naming the offending nodes, never a traceback,
and writes nothing."""

from __future__ import annotations

import pytest

from archsim.cli import main

from onnx_cases import malformed_cases

CASES = malformed_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_model_is_a_clear_error(case, tmp_path, capsys):
    model = tmp_path / f"{case.name}.onnx"
    model.write_bytes(case.data)
    out = tmp_path / "out.yaml"
    assert main(["import", str(model), "-o", str(out), "--weights", str(tmp_path / "w.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {model}")
    for fragment in case.expect:
        assert fragment in err, (fragment, err)
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == [model]       # no half-written workload or weights


def test_missing_file_and_bad_flags(tmp_path, capsys):
    assert main(["import", str(tmp_path / "none.onnx")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "none.onnx"), "--inference"]) == 2
    assert "--inference needs --weights" in capsys.readouterr().err
