"""PyTorch → ONNX → archsim: a small ResNet defined here (no torchvision) is exported with torch.onnx.export,
imported with `archsim.importers.import_onnx`, and its archsim logits are compared with PyTorch's on 100
MNIST test images; both exporters (torch.export-based, the default, and the TorchScript one) are tried.
Also prints inference images/s of PyTorch and of archsim's functional network on the same images, one
thread each, and their ratio.

    pip install torch==2.13.0 onnxscript        # benchmark only: never a runtime dependency
    ARCHSIM_DATA=../shared/data python benchmarks/bench_onnx_torch.py [--out reports/onnx_import]

Exit status 1 if the logits disagree beyond float32 tolerance or a prediction differs.
"""

from __future__ import annotations

import os

for _v in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5   # float32: relative, and absolute as a fraction of the largest |logit|


def build_model(torch):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, c_in: int, c_out: int, stride: int):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.shortcut = nn.Sequential()
            if stride != 1 or c_in != c_out:
                self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

        def forward(self, x):
            y = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(y)) + self.shortcut(x))

    class SmallResNet(nn.Module):
        """ResNet-8 for 1×28×28 inputs: stem, three stages of one basic block, global pool, linear."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            self.layer1 = Block(16, 16, 1)
            self.layer2 = Block(16, 32, 2)
            self.layer3 = Block(32, 64, 2)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.drop = nn.Dropout(0.2)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = torch.relu(self.bn1(self.conv1(x)))
            x = self.layer3(self.layer2(self.layer1(x)))
            return self.fc(self.drop(torch.flatten(self.pool(x), 1)))

    return SmallResNet()


def prepare(torch, model, x_train: np.ndarray) -> None:
    """A few SGD steps on MNIST so weights and batch-norm statistics are those of a trained-ish model."""
    torch.manual_seed(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    xs = torch.from_numpy(x_train[0])
    ys = torch.from_numpy(x_train[1])
    model.train()
    for i in range(0, 2048, 64):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xs[i:i + 64]), ys[i:i + 64])
        loss.backward()
        opt.step()
    model.eval()


def _ops(path: Path) -> str:
    import onnx

    nodes = onnx.load(str(path)).graph.node
    return f"{len(nodes)}: {', '.join(sorted({n.op_type for n in nodes}))}"


def images_per_s(fn, x: np.ndarray, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(x)
        best = min(best, time.perf_counter() - t0)
    return len(x) / best


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--out", type=Path, default=None, help="write results.md here")
    args = p.parse_args()
    try:
        import torch
    except ImportError:
        print("torch is not installed: pip install torch==2.13.0 (benchmark only)")
        return 0
    torch.set_num_threads(1)
    from archsim.config.errors import ConfigError
    from archsim.config.network import Network
    from archsim.functional.datasets import load_dataset
    from archsim.functional.layers import FunctionalNetwork
    from archsim.importers import import_onnx
    from archsim.importers.summary import describe

    mnist = load_dataset("mnist", download=False)
    x = mnist.x_test[: args.images].reshape(-1, 1, 28, 28)
    model = build_model(torch)
    prepare(torch, model, (mnist.x_train[:2048].reshape(-1, 1, 28, 28), mnist.y_train[:2048]))
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()

    lines, ok = [f"torch {torch.__version__}, {args.images} MNIST test images, one thread", ""], True
    lines += ["| exporter | ONNX nodes: ops | max abs diff | max rel diff (vs max abs logit) | same predictions | "
              "torch images/s | archsim images/s | archsim / torch |", "|---|---|---|---|---|---|---|---|"]
    tmp = Path(tempfile.mkdtemp(prefix="archsim_onnx_"))
    exporters = [("torch.export (the default)", {"dynamo": True}),
                 ("torch.export, optimize=False (batch norm kept)", {"dynamo": True, "optimize": False}),
                 ("TorchScript (dynamo=False)", {"dynamo": False}),
                 ("TorchScript, do_constant_folding=False", {"dynamo": False, "do_constant_folding": False})]
    for i, (label, options) in enumerate(exporters):
        path = tmp / f"resnet_{i}.onnx"
        batch = ({"dynamic_shapes": ({0: torch.export.Dim("batch")},)} if options["dynamo"] else
                 {"dynamic_axes": {"input": {0: "batch"}, "logits": {0: "batch"}}})
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(model, (torch.from_numpy(x[:1]),), str(path), input_names=["input"],
                                  output_names=["logits"], **batch, **options)
        except Exception as exc:  # an exporter missing here (e.g. onnxscript not installed) is reported, not fatal
            lines.append(f"| {label} | export failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]} |")
            continue
        try:
            imported = import_onnx(path)
        except ConfigError as exc:
            first = str(exc).splitlines()[0].split(": ", 1)[1]
            lines.append(f"| {label} | {_ops(path)} | refused by the importer: {first} (+ "
                         f"{len(str(exc).splitlines()) - 1} more lines) |")
            ok &= i != 0            # the default exporter's graph must import
            continue
        print(describe(imported))
        net = FunctionalNetwork(Network.model_validate(imported.network))
        net.load_state(imported.weights)
        flat = x.reshape(len(x), -1)
        ours = net.forward(flat)
        diff = float(np.abs(ours - ref).max())
        rel = diff / float(np.abs(ref).max())
        same = bool((ours.argmax(1) == ref.argmax(1)).all())
        close = bool(np.allclose(ours, ref, rtol=RTOL, atol=ATOL * np.abs(ref).max()))
        ok &= close and same
        with torch.no_grad():
            t_ips = images_per_s(lambda a: model(torch.from_numpy(a)), x)
        a_ips = images_per_s(net.forward, flat)
        lines.append(f"| {label} | {_ops(path)} | {diff:.2e} | {rel:.2e} | {same} | {t_ips:,.0f} | {a_ips:,.0f} | "
                     f"{a_ips / t_ips:.2f} |")
    lines += ["", f"tolerance: rtol {RTOL}, atol {ATOL} × max |logit|; result: {'PASS' if ok else 'FAIL'}"]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        cmd = "ARCHSIM_DATA=../shared/data python benchmarks/bench_onnx_torch.py --out " + str(args.out)
        (args.out / "results.md").write_text(f"# PyTorch → ONNX → archsim logits\n\nCommand: `{cmd}`\n\n{text}\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
