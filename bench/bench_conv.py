"""Time the reference numpy convolution against torch's CPU convolution.

Forward + backward of one conv layer, N=32, C=3, 32x32 images, F=16 3x3 kernels,
padding 1, stride 1, in float32 and float64: ``reference.cnn.conv2d_forward`` +
``conv2d_backward`` against ``torch.nn.functional.conv2d`` + autograd. Prints a
markdown table of median times and the ratio numpy / torch (target: <= 3).

    python bench/bench_conv.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from reference.cnn import conv2d_backward, conv2d_forward

N, C, H, W = 32, 3, 32, 32
FILTERS, KERNEL, PADDING = 16, 3, 1


def median_seconds(step: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``step()`` over ``repeats`` runs, after two warm-up runs."""
    for _ in range(2):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(dtype: np.dtype, repeats: int) -> tuple[float, float]:
    """Median seconds of forward + backward: ``(numpy reference, torch)``."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((FILTERS, C, KERNEL, KERNEL)).astype(dtype)
    b = rng.standard_normal(FILTERS).astype(dtype)
    dout = rng.standard_normal((N, FILTERS, H, W)).astype(dtype)

    def numpy_step() -> None:
        conv2d_forward(x, w, b, stride=1, padding=PADDING)
        conv2d_backward(dout, x, w, b, stride=1, padding=PADDING)

    xt = torch.from_numpy(x).requires_grad_()
    wt = torch.from_numpy(w).requires_grad_()
    bt = torch.from_numpy(b).requires_grad_()
    doutt = torch.from_numpy(dout)

    def torch_step() -> None:
        xt.grad = wt.grad = bt.grad = None
        out = F.conv2d(xt, wt, bt, stride=1, padding=PADDING)
        out.backward(doutt)

    return median_seconds(numpy_step, repeats), median_seconds(torch_step, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per case")
    args = parser.parse_args()

    print(
        f"conv2d forward+backward, N={N} C={C} {H}x{W} F={FILTERS} "
        f"{KERNEL}x{KERNEL} pad {PADDING}; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; median of {args.repeats}\n"
    )
    print("| dtype | numpy (ms) | torch (ms) | numpy / torch |")
    print("|---|---:|---:|---:|")
    for dtype in (np.float32, np.float64):
        numpy_s, torch_s = bench(np.dtype(dtype), args.repeats)
        print(
            f"| {np.dtype(dtype).name} | {numpy_s * 1e3:.2f} | {torch_s * 1e3:.2f} "
            f"| {numpy_s / torch_s:.2f} |"
        )


if __name__ == "__main__":
    main()
