"""The bounded readers one by one: the YAML reader's limits, the truncation rule of messages, the
expression evaluator's bounds and the sweep size counted before anything is built."""

from __future__ import annotations

import codecs

import pytest
import yaml

from archsim.cli import main
from archsim.config.errors import ConfigError, Problem, short_repr
from archsim.config.limits import PROBLEMS_SHOWN, SWEEP_MAX_POINTS, YAML_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_NODES
from archsim.config.loader import read_yaml
from archsim.sweep.expressions import EvaluationError, Expression, ExpressionError
from tests.fuzz.generate import small_sweep, small_workload


def _read(tmp_path, data: bytes | str):
    p = tmp_path / "f.yaml"
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return read_yaml(p)


def _error(tmp_path, data) -> str:
    with pytest.raises(ConfigError) as err:
        _read(tmp_path, data)
    return str(err.value)


def test_plain_yaml_still_reads_with_anchors_merges_and_flow_style(tmp_path):
    text = "base: &b {x: 1, y: [1, 2.5]}\nd:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n"
    assert _read(tmp_path, text) == {"base": {"x": 1, "y": [1, 2.5]}, "d": {"x": 1, "y": 3},
                                     "list": [{"x": 1, "y": [1, 2.5]}] * 2}


def test_alias_bomb_is_stopped_fast_with_its_position(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    msg = _error(tmp_path, "\n".join(lines) + "\n")
    assert f"more than {YAML_MAX_NODES:,} values once aliases" in msg and "line " in msg


def test_recursive_alias_and_depth(tmp_path):
    assert "recursive alias" in _error(tmp_path, "a: &r [1, *r]\n")
    assert f"nested deeper than {YAML_MAX_DEPTH} levels" in _error(tmp_path, "a: " + "[" * 150 + "]" * 150 + "\n")
    assert "nest" in _error(tmp_path, "a: " + "[" * 50000 + "]" * 50000 + "\n")
    _read(tmp_path, "a: " + "[" * 90 + "]" * 90 + "\n")


@pytest.mark.parametrize("raw,expected", [
    (codecs.BOM_UTF8 + b"a: 1\n", "UTF-8 with a byte-order mark"),
    ("a: 1\n".encode("utf-16"), "UTF-16"),
    ("a: 1\n".encode("utf-32"), "UTF-32"),
    ("a: 1\n".encode("utf-16-le"), "NUL byte"),
    (b"a: 1\nb: caf\xe9\n", "line 2, column 7: byte 0xe9 is not UTF-8"),
])
def test_encodings_other_than_utf8_are_named(tmp_path, raw, expected):
    assert expected in _error(tmp_path, raw)


def test_duplicate_keys_name_both_lines(tmp_path):
    msg = _error(tmp_path, "a: 1\nb:\n  c: 1\n  c: 2\n")
    assert "line 4" in msg and "duplicate key 'c' (first given at line 3)" in msg


@pytest.mark.parametrize("value,expected", [("9" * 25, "does not fit in 64 bits"), ("9" * 5000, "too long"),
                                            (":".join(["1"] * 3000), "too long")])
def test_integers_are_64_bit_and_numbers_short(tmp_path, value, expected):
    assert expected in _error(tmp_path, f"a: {value}\n")


@pytest.mark.parametrize("value", [".nan", "-.inf", "1.0e+400"])
def test_non_finite_numbers_are_errors_naming_the_key(tmp_path, value, capsys):
    p = tmp_path / "w.yaml"
    p.write_text(yaml.safe_dump(small_workload(0)).replace("set_pulses_per_image: 0.5",
                                                           f"set_pulses_per_image: {value}"))
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert f"{p}: trace.update.set_pulses_per_image: Input should be a finite number" in err


def test_size_cap_and_python_tags(tmp_path):
    assert "larger than" in _error(tmp_path, b"a: 1\n#" + b"x" * YAML_MAX_BYTES)
    assert "could not determine a constructor" in _error(tmp_path, "a: !!python/object/apply:os.system ['true']\n")


def test_messages_are_cut_and_counted():
    huge = [["lol"] * 9] * 9 ** 5
    assert len(short_repr(huge)) <= 80 and len(short_repr("x" * 10 ** 6)) <= 80
    err = ConfigError("f.yaml", [Problem(f"k{i}", "bad " * 200) for i in range(50)])
    lines = str(err).splitlines()
    assert len(lines) == PROBLEMS_SHOWN + 1 and lines[-1] == f"f.yaml: ... and {50 - PROBLEMS_SHOWN} more problems"
    assert all(len(line) < 400 for line in lines)


def test_version_is_the_integer_1(tmp_path, capsys):
    for bad in ("true", "1.0", "'1'", "2"):
        p = tmp_path / "w.yaml"
        p.write_text(yaml.safe_dump(small_workload(0)).replace("version: 1", f"version: {bad}"))
        assert main(["check", str(p)]) == 2
        assert "version" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["9 ** 9 ** 9 > 0", "10 ** 10 ** 8", "2.0 ** 10000 > 0", "10 ** 300 * 10 ** 300",
                                  "0.5 ** -1e6", "log2(0)", "1 / 0", "(-8) ** 0.5", "design.s * 10 ** 10",
                                  "design.s < 1"])
def test_expressions_are_bounded(text):
    with pytest.raises(EvaluationError):
        Expression(text).evaluate({"design.s": "tiled"}.__getitem__)


@pytest.mark.parametrize("text", ["'a' * 10 ** 10 == 'a'", "1e999 > 0", "x" * 600, "(" * 300 + "1" + ")" * 300])
def test_expressions_without_text_constants_or_excess(text):
    with pytest.raises(ExpressionError):
        Expression(text)


def test_equality_of_text_variables_still_works():
    assert Expression("design.a == design.b").evaluate({"design.a": "tiled", "design.b": "tiled"}.__getitem__)


def test_sweep_size_is_counted_before_building(tmp_path, capsys):
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(small_workload(0)))
    s = small_sweep()
    s["axes"] = [{"target": "design.tile.adc_bits", "range": {"start": 1, "stop": 8, "num": 10 ** 9}}]
    s["iso"], s["derived"] = {}, {}
    p = tmp_path / "sweep.yaml"
    p.write_text(yaml.safe_dump(s))
    assert main(["sweep", str(p), "--workers", "1", "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"1,000,000,000 points (1,000,000,000 axis values); a sweep may have at most {SWEEP_MAX_POINTS:,}" in err
    assert "--max-points" in err and not (tmp_path / "o").exists()
    s["axes"] = [{"target": "design.tile.adc_bits", "values": [4, 6, 8]}]
    p.write_text(yaml.safe_dump(s))
    assert main(["sweep", str(p), "--workers", "1", "--quiet", "--out", str(tmp_path / "o"), "--max-points", "2"]) == 2
    assert "3 points" in capsys.readouterr().err
    assert main(["sweep", str(p), "--workers", "1", "--quiet", "--out", str(tmp_path / "o"), "--max-points", "3"]) == 0


def test_iso_same_that_cannot_be_evaluated_is_an_error_at_load(tmp_path, capsys):
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(small_workload(0)))
    s = small_sweep()
    s["iso"]["same"] = ["design.crossbar.rows ** 1000"]
    p = tmp_path / "sweep.yaml"
    p.write_text(yaml.safe_dump(s))
    assert main(["check", str(p)]) == 2
    assert "iso.same.0" in capsys.readouterr().err
