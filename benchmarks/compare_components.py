"""Today's per-action energies (tech/14lpp.yaml as the estimator scales them) vs the component models.

Reads the generated tech file (reports/components/14lpp.components.yaml, from `archsim tech build`; this
script itself needs no hwcomponents) and runs the estimator on the reference MLP (and on one 256 × 256 MVM)
to get the per-action energies archsim uses at the built-in designs' parameters (actions.csv). Writes
reports/components/comparison.csv and prints the Markdown tables of reports/components/README.md.

    python benchmarks/compare_components.py [--generated reports/components/14lpp.components.yaml]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd
import yaml

from archsim.io import write_csv
from archsim.runner import run_workload

ROOT = Path(__file__).resolve().parents[1]


def grid_value(gen: dict, grid: str, column: str, **point) -> float:
    """Value of `column` at `point` of a generated grid; linear in the one axis whose value lies between points."""
    g = gen["grids"][grid]
    axes = list(g["axes"])
    df = pd.DataFrame(g["rows"], columns=g["columns"])
    for a in axes:
        if a not in point:
            raise KeyError(a)
    exact = df
    free = None
    for a in axes:
        if point[a] in g["axes"][a]:
            exact = exact[exact[a] == point[a]]
        else:
            free = a
    if free is None:
        return float(exact[column].iloc[0])
    xs = sorted(g["axes"][free])
    lo = max(x for x in xs if x <= point[free])
    hi = min(x for x in xs if x >= point[free])
    y_lo = float(exact[exact[free] == lo][column].iloc[0])
    y_hi = float(exact[exact[free] == hi][column].iloc[0])
    return y_lo + (y_hi - y_lo) * (point[free] - lo) / (hi - lo)


def estimator_actions(workload: Path, out: Path) -> pd.DataFrame:
    run_workload(workload, out, functional=False, progress=False, echo=lambda *a, **k: None)
    return pd.read_csv(out / "actions.csv")


def each(actions: pd.DataFrame, design: str, unit: str, action: str) -> float:
    rows = actions[(actions.design == design) & (actions.unit == unit) & (actions.action == action)]
    return float(rows.energy_pj_each.iloc[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generated", type=Path, default=ROOT / "reports/components/14lpp.components.yaml")
    ap.add_argument("--out", type=Path, default=ROOT / "reports/components/comparison.csv")
    args = ap.parse_args()
    gen = yaml.safe_load(args.generated.read_text())
    prim = gen["primitives"]
    tech = yaml.safe_load((ROOT / "tech/14lpp.yaml").read_text())["primitives"]

    def e(name: str, action: str) -> float:
        return prim[name]["actions"][action]["energy_pj"]

    with tempfile.TemporaryDirectory() as tmp:
        act = estimator_actions(ROOT / "workloads/mlp_mnist_train.yaml", Path(tmp) / "mlp")
        mvm_wl = Path(tmp) / "mvm256.yaml"
        mvm_wl.write_text(yaml.safe_dump({
            "kind": "workload", "version": 1, "name": "mvm256", "tech": str(ROOT / "tech/14lpp.yaml"),
            "network": {"name": "one_256x256", "input_shape": [255],  # + bias row = 256 rows
                        "layers": [{"type": "dense", "out": 256, "activation": "none"}]},
            "mode": "infer", "batch_size": 1, "designs": ["mca"]}))
        run_workload(mvm_wl, Path(tmp) / "mvm", functional=False, progress=False, echo=lambda *a, **k: None)
        mvm_energy = pd.read_csv(Path(tmp) / "mvm/energy.csv")
        mvm_latency = pd.read_csv(Path(tmp) / "mvm/latency.csv")

    # the cell read archsim assumes (5 uS, 0.5 duty) on NeuroSim's cell-state axis: 0 = r_off, 1 = r_on
    cell = gen["cells"]["pcm_14nm"]
    g_on, g_off = 1e6 / cell["r_on_ohm"], 1e6 / cell["r_off_ohm"]  # uS
    cell_state_5us = (5.0 - g_off) / (g_on - g_off)
    ns_cell_equal = grid_value(gen, "crossbar_cell_read", "read.energy_pj",
                               average_input_value=0.5, average_cell_value=cell_state_5us)

    rows = [
        # primitive, design(s), archsim unit.action, archsim pJ, model pJ, model (primitive names)
        ("adc_conversion (8 bit, 5 ns)", "mca", each(act, "mca", "adc[dense1]", "convert"),
         e("adc_conversion", "convert"), "adc_survey: adc_conversion"),
        ("adc_conversion vs NeuroSim column ADC", "mca", each(act, "mca", "adc[dense1]", "convert"),
         e("adc_conversion_neurosim", "read"), "neurosim_adc: adc_conversion_neurosim"),
        ("SRAM read, 1 MB x 64 bit (tech reference macro)", "-", tech["sram_read"]["energy_pj"],
         e("sram_reference_1mb", "read"), "cacti_sram: sram_reference_1mb"),
        ("SRAM write, 1 MB x 64 bit (tech reference macro)", "-", tech["sram_write"]["energy_pj"],
         e("sram_reference_1mb", "write"), "cacti_sram: sram_reference_1mb"),
        ("χ SRAM read (776 KB, 32 b, 3 banks)", "mca, digital_mp", each(act, "mca", "chi_sram", "read"),
         e("sram_chi", "read"), "cacti_sram: sram_chi"),
        ("χ SRAM write", "mca, digital_mp", each(act, "mca", "chi_sram", "write"),
         e("sram_chi", "write"), "cacti_sram: sram_chi"),
        ("weight SRAM read (776 KB, 32 b, 32 banks)", "digital32", each(act, "digital32", "weight_sram", "read"),
         e("sram_weight_digital32", "read"), "cacti_sram: sram_weight_digital32"),
        ("weight SRAM read (97 KB, 4 b, 32 banks)", "digital_mp", each(act, "digital_mp", "weight_sram", "read"),
         e("sram_weight_digital_mp", "read"), "cacti_sram: sram_weight_digital_mp"),
        ("activation SRAM read (8 KB, 32 b, 2 ports)", "all", each(act, "mca", "activation_sram", "read"),
         e("sram_activation", "read"), "cacti_sram: sram_activation"),
        ("activation SRAM write", "all", each(act, "mca", "activation_sram", "write"),
         e("sram_activation", "write"), "cacti_sram: sram_activation"),
        ("32-bit multiply (int_mult)", "digital32", tech["int_mult"]["energy_pj"],
         e("int_mult_32x32", "multiply"), "library_multiplier: int_mult_32x32"),
        ("32-bit add (int_add)", "all", tech["int_add"]["energy_pj"], e("int_add_32", "add"),
         "library_adder: int_add_32"),
        ("MAC 32x32 + 32-bit acc", "digital32", each(act, "digital32", "mac_array", "mac"),
         e("int_mult_32x32", "multiply") + e("int_add_32", "add"), "library: int_mult_32x32 + int_add_32"),
        ("MAC 4x8 + 24-bit acc", "digital_mp", each(act, "digital_mp", "mac_array", "mac"),
         e("int_mult_4x8", "multiply") + e("int_add_24", "add"), "library: int_mult_4x8 + int_add_24"),
        ("χ accumulate (3x3 mult + 32-bit add + compare; shift not modelled)", "mca",
         each(act, "mca", "chi_unit", "accumulate"),
         e("int_mult_3x3", "multiply") + e("int_add_32", "add") + e("comparator_32", "compare"),
         "library: int_mult_3x3 + int_add_32 + comparator_32"),
        ("32-bit compare", "mca", tech["comparator"]["energy_pj"], e("comparator_32", "compare"),
         "library_comparator: comparator_32"),
        ("32-bit register access", "-", tech["register_access"]["energy_pj"], e("register_32", "read"),
         "library_register: register_32"),
        ("bus, per bit (0.1 mm)", "all", each(act, "mca", "bus", "transfer"), e("bus_wire_bit", "read"),
         "library_wire: bus_wire_bit"),
        ("PCM device read, 5 uS x 0.5 duty x 128 ns (archsim's assumption)", "mca",
         each(act, "mca", "tile[dense1]", "read_device"), ns_cell_equal,
         "neurosim_cell: crossbar_cell_read grid at input 0.5, state of 5 uS"),
        ("PCM device read, full scale (25 uS, full window)", "mca", each(act, "mca", "tile[dense1]", "read_device"),
         e("crossbar_cell_read", "read"), "neurosim_cell: crossbar_cell_read"),
        ("row (DAC) drive, 8-bit PWM, full-scale input", "mca", each(act, "mca", "tile[dense1]", "drive_line"),
         e("crossbar_row_drive", "read"), "neurosim_row_drivers: crossbar_row_drive"),
        ("SRAM leakage per KB, mW (χ SRAM)", "mca, digital_mp", tech["sram_leakage"]["leakage_mw"],
         prim["sram_chi"]["leakage_mw"] / prim["sram_chi"]["params"]["size_kb"], "cacti_sram: sram_chi"),
    ]
    df = pd.DataFrame(rows, columns=["quantity", "designs", "archsim_pj", "model_pj", "model"])
    df["archsim_over_model"] = df.archsim_pj / df.model_pj
    write_csv(df, args.out, float_format="%.6g")

    print("| quantity | designs | archsim (pJ) | model (pJ) | archsim / model | model: primitive |")
    print("|---|---|---|---|---|---|")
    for r in df.itertuples():
        print(f"| {r.quantity} | {r.designs} | {r.archsim_pj:.4g} | {r.model_pj:.4g} | "
              f"{r.archsim_over_model:.3g}× | {r.model} |")

    # one 256 x 256 MVM: archsim today, and a component-model sum (what the models cover)
    fwd = mvm_energy[mvm_energy.stage == "forward"]
    total_nj = fwd.energy_pj.sum() / 1e3
    tile_nj = fwd[fwd.component.isin(["crossbar array", "DAC", "ADC"])].energy_pj.sum() / 1e3
    lat_ns = float(mvm_latency[mvm_latency.stage == "forward"].latency_ns.iloc[0])
    print(f"\narchsim mca, one 256x256 MVM (255 inputs + bias): {total_nj:.2f} nJ in {lat_ns:.0f} ns; "
          f"crossbar + DAC + ADC {tile_nj:.2f} nJ")
    print("by component (pJ): " + ", ".join(f"{c} {v:.0f}" for c, v in fwd.groupby("component").energy_pj.sum()
                                           .sort_values(ascending=False).items()))
    devices, rows_, cols = 256 * 512, 256, 256
    for label, duty, state in (("archsim's assumption (duty 0.5, 5 uS)", 0.5, cell_state_5us),
                               ("full scale (duty 1, 25 uS)", 1.0, 1.0)):
        cell_pj = grid_value(gen, "crossbar_cell_read", "read.energy_pj", average_input_value=duty,
                             average_cell_value=state)
        row_pj = e("crossbar_row_drive", "read") * duty  # NeuroSim's row energy is linear in the input
        adc_pj = e("adc_conversion", "convert")
        parts = {"cells (NeuroSim)": devices * cell_pj, "row drivers (NeuroSim)": rows_ * row_pj,
                 "ADCs (survey)": cols * adc_pj,
                 "column periphery (NeuroSim)": 2 * cols * e("crossbar_col_periphery", "read")}
        total = sum(parts.values())
        print(f"model sum, {label}: {total / 1e3:.2f} nJ = "
              + " + ".join(f"{k} {v / 1e3:.3f}" for k, v in parts.items()))
    print(f"HERMES (JSSC 2022): 12.5 nJ per MVM; 64-core chip core (Nat. Electron. 2023): 13.4 nJ in 133 ns, "
          f"ADC 50-70 % = {0.5 * 13.4e3 / 256:.0f}-{0.7 * 13.4e3 / 256:.0f} pJ per column readout vs "
          f"{e('adc_conversion', 'convert'):.2f} pJ (survey) / {e('adc_conversion_neurosim', 'read'):.2f} pJ "
          f"(NeuroSim MLSA)")


if __name__ == "__main__":
    main()
