"""Malformed YAMLs: one clear line per problem (file, key path, allowed values), exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from archsim.cli import main
from tests.estimator.helpers import ROOT, write_workload


def _run(capsys, *args):
    code = main(list(map(str, args)))
    out = capsys.readouterr()
    return code, out.err


def test_unknown_key_names_file_key_and_allowed(tmp_path, capsys):
    path = write_workload(tmp_path, [10, 5], extra={"bacth_size": 4})
    code, err = _run(capsys, "run", path, "--out", tmp_path / "o")
    assert code == 2
    assert str(path) in err and "bacth_size" in err and "batch_size" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_wrong_type_and_out_of_range_design_override(tmp_path, capsys):
    path = write_workload(tmp_path, [10, 5], designs=[
        {"name": "bad", "base": "mca", "overrides": {"tile": {"adc_bits": 0, "adcs_per_array": "many"}}}])
    code, err = _run(capsys, "run", path, "--out", tmp_path / "o")
    assert code == 2
    assert "designs.0.overrides.tile.adc_bits" in err and "greater than 0" in err
    assert "designs.0.overrides.tile.adcs_per_array" in err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 2


def test_unknown_design_lists_builtins(tmp_path, capsys):
    path = write_workload(tmp_path, [10, 5], designs=["mcaa"])
    code, err = _run(capsys, "check", path)
    assert code == 2 and "mcaa" in err and "digital32" in err and "digital_mp" in err


def test_bad_layer_type_lists_allowed_types(tmp_path, capsys):
    path = write_workload(tmp_path, [10, 5])
    data = yaml.safe_load(path.read_text())
    data["network"]["layers"][0]["type"] = "dens"
    path.write_text(yaml.safe_dump(data))
    code, err = _run(capsys, "run", path, "--out", tmp_path / "o")
    assert code == 2 and "network.layers.0" in err and "'dense'" in err and "'conv2d'" in err


def test_yaml_syntax_error_and_missing_file(tmp_path, capsys):
    p = tmp_path / "broken.yaml"
    p.write_text("kind: workload\nname: [unclosed\n")
    code, err = _run(capsys, "run", p)
    assert code == 2 and "invalid YAML" in err and "line" in err
    code, err = _run(capsys, "run", tmp_path / "nope.yaml")
    assert code == 2 and "file not found" in err


def test_layer_shapes_that_do_not_fit(tmp_path, capsys):
    path = write_workload(tmp_path, [10, 5])
    data = yaml.safe_load(path.read_text())
    data["network"]["input_shape"] = [1, 28, 28]
    data["network"]["layers"] = [{"type": "conv2d", "out_channels": 4, "kernel": 40}]
    path.write_text(yaml.safe_dump(data))
    code, err = _run(capsys, "run", path, "--out", tmp_path / "o")
    assert code == 2 and "kernel 40 does not fit" in err


# -- design union: each type accepts only its own fields and update rules ---------------------------
def _err(tmp_path, capsys, base, overrides, mode="infer"):
    path = write_workload(tmp_path, [10, 5], mode=mode, designs=[{"name": "bad", "base": base, "overrides": overrides}])
    code, err = _run(capsys, "check", path)
    assert code == 2 and "Traceback" not in err and str(path) in err
    return err


def test_mca_with_dense_sgd_is_rejected_naming_the_allowed_rule(tmp_path, capsys):
    err = _err(tmp_path, capsys, "mca", {"update": "dense_sgd"})
    assert "designs.0.overrides.update" in err and "'chi_threshold'" in err


def test_digital_design_rejects_crossbar_settings_listing_its_keys(tmp_path, capsys):
    err = _err(tmp_path, capsys, "digital32", {"crossbar": {"rows": 64}})
    assert "designs.0.overrides.crossbar: unknown key 'crossbar'" in err and "mac_array" in err and "dataflow" in err


def test_dense_sgd_design_rejects_chi_sections(tmp_path, capsys):
    err = _err(tmp_path, capsys, "digital32", {"chi_sram": {"banks": 2}})
    assert "designs.0.overrides.chi_sram" in err and "update: chi_threshold" in err


def test_more_adcs_than_columns_is_rejected(tmp_path, capsys):
    err = _err(tmp_path, capsys, "mca", {"tile.adcs_per_array": 300})
    assert "designs.0.overrides.tile" in err and "adcs_per_array (300) exceeds crossbar.cols (256)" in err


def test_unknown_design_type_and_vector_op_kind(tmp_path, capsys):
    err = _err(tmp_path, capsys, "mca", {"type": "analog"})
    assert "designs.0.overrides.type" in err and "'mca'" in err and "'digital'" in err
    err = _err(tmp_path, capsys, "mca", {"digital_unit.cycles_per_op": {"sigmoid": 2}})
    assert "digital_unit.cycles_per_op" in err and "sigmoid" in err and "activation" in err


def test_shared_mapping_needs_its_array_count_and_inference(tmp_path, capsys):
    err = _err(tmp_path, capsys, "mca", {"crossbar.mapping": "shared"})
    assert "crossbar.shared_arrays" in err and "needs shared_arrays" in err
    path = write_workload(tmp_path, [600, 300], mode="train", designs=[
        {"name": "s", "base": "mca", "overrides": {"crossbar": {"mapping": "shared", "shared_arrays": 1}}}])
    code, err = _run(capsys, "run", path, "--out", tmp_path / "o")
    assert code == 2 and "designs.0.crossbar.shared_arrays" in err and "mapping: per_layer" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_an_unreadable_tech_file_is_one_clear_error(tmp_path, capsys):
    """A tech path the OS cannot read (fuzz corpus: /proc/self/mem, EIO) → error naming the file, exit 2."""
    from archsim.cli import main

    text = (ROOT / "workloads" / "mlp_mnist_train.yaml").read_text()
    wl = tmp_path / "w.yaml"
    wl.write_text("\n".join("tech: /proc/self/mem" if l.startswith("tech:") else l for l in text.splitlines()))
    assert main(["check", str(wl)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: /proc/") and "cannot read" in err and len(err.splitlines()) == 1
