"""Oracle tests for exercise 9, ``cnn``: reference and solution against torch.

The numpy layers are compared in float64 with ``torch.nn.functional.conv2d`` /
``max_pool2d`` and their autograd gradients, over shapes chosen to catch the
classic mistakes: H != W, non-square kernels, strides 1-3, paddings 0-2, sizes
where ``H + 2P - K`` is not divisible by the stride, batch 1, overlapping pools.
"""

from types import ModuleType

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import reference.cnn as reference_cnn  # noqa: E402
import solutions.cnn  # noqa: E402

IMPLS = {"reference": reference_cnn, "solution": solutions.cnn}

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def assert_close(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12)


# (N, C, H, W, F, KH, KW, stride, padding)
CONV_CASES = [
    (2, 3, 7, 5, 4, 3, 3, 1, 0),
    (1, 1, 5, 5, 1, 1, 1, 1, 0),
    (2, 2, 8, 6, 3, 3, 2, 2, 1),  # (8 + 2 - 3) % 2 != 0
    (1, 3, 9, 7, 2, 2, 3, 3, 2),  # (9 + 4 - 2) % 3 != 0
    (3, 2, 6, 9, 2, 4, 1, 2, 1),
    (2, 1, 5, 5, 3, 5, 5, 1, 2),
    (1, 2, 10, 7, 3, 3, 3, 3, 1),
    (2, 4, 4, 4, 5, 2, 2, 2, 0),
    (1, 1, 3, 8, 1, 3, 1, 1, 2),
    (2, 3, 11, 6, 2, 3, 4, 2, 2),
    (1, 1, 2, 3, 2, 3, 3, 1, 1),  # kernel larger than the unpadded image
    (1, 2, 6, 6, 2, 2, 2, 3, 0),  # stride larger than the kernel: unused pixels
]


def conv_case(case: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, ...]:
    n, c, h, w, f, kh, kw, s, p = case
    rng = np.random.default_rng(seed)
    oh, ow = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
    return (
        rng.standard_normal((n, c, h, w)),
        rng.standard_normal((f, c, kh, kw)),
        rng.standard_normal(f),
        rng.standard_normal((n, f, oh, ow)),
    )


def torch_conv(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, dout: np.ndarray, stride: int, padding: int
) -> tuple[np.ndarray, ...]:
    """Torch's output and the autograd gradients of ``sum(out * dout)``."""
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    out.backward(torch.from_numpy(dout))
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_forward_and_backward_match_torch(impl: ModuleType, case: tuple[int, ...]) -> None:
    *_, s, p = case
    x, w, b, dout = conv_case(case)
    copies = [a.copy() for a in (x, w, b, dout)]
    out, dx_t, dw_t, db_t = torch_conv(x, w, b, dout, s, p)

    assert_close(impl.conv2d_forward(x, w, b, stride=s, padding=p), out)
    dx, dw, db = impl.conv2d_backward(dout, x, w, b, stride=s, padding=p)
    assert_close(dx, dx_t)
    assert_close(dw, dw_t)
    assert_close(db, db_t)
    for before, after in zip(copies, (x, w, b, dout), strict=True):
        np.testing.assert_array_equal(before, after)  # inputs untouched


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_output_size_matches_torch_shapes(impl: ModuleType, case: tuple[int, ...]) -> None:
    _, _, h, w, _, kh, kw, s, p = case
    x, wt, b, _ = conv_case(case)
    out = F.conv2d(
        torch.from_numpy(x), torch.from_numpy(wt), torch.from_numpy(b), stride=s, padding=p
    )
    assert impl.conv_output_size(h, kh, s, p) == out.shape[2]
    assert impl.conv_output_size(w, kw, s, p) == out.shape[3]
    assert impl.conv_output_size(w, kw, stride=s) == (w - kw) // s + 1  # default padding 0


def test_conv2d_non_contiguous_inputs(impl: ModuleType) -> None:
    case = (2, 3, 7, 6, 4, 3, 2, 2, 1)
    x, w, b, dout = conv_case(case, seed=1)
    out, dx_t, dw_t, db_t = torch_conv(x, w, b, dout, 2, 1)
    xf, wf, doutf = np.asfortranarray(x), np.asfortranarray(w), np.asfortranarray(dout)
    assert_close(impl.conv2d_forward(xf, wf, b, stride=2, padding=1), out)
    dx, dw, db = impl.conv2d_backward(doutf, xf, wf, b, stride=2, padding=1)
    assert_close(dx, dx_t)
    assert_close(dw, dw_t)
    assert_close(db, db_t)


def test_conv2d_is_cross_correlation_with_zero_padding(impl: ModuleType) -> None:
    """A one-hot kernel at its top-left corner with padding 1 shifts the image down-right."""
    x = np.arange(12.0).reshape(1, 1, 3, 4) + 1
    w = np.zeros((1, 1, 3, 3))
    w[0, 0, 0, 0] = 1.0
    out = impl.conv2d_forward(x, w, np.zeros(1), stride=1, padding=1)
    expected = np.zeros((1, 1, 3, 4))
    expected[0, 0, 1:, 1:] = x[0, 0, :-1, :-1]
    assert_close(out, expected)


# (N, C, H, W, size, stride)
POOL_CASES = [
    (2, 3, 6, 8, 2, 2),
    (1, 1, 7, 5, 3, 1),  # overlapping windows
    (2, 2, 7, 7, 3, 2),  # overlapping, (7 - 3) % 2 == 0
    (1, 2, 5, 9, 2, 1),  # overlapping
    (2, 1, 9, 6, 3, 3),
    (1, 1, 4, 4, 4, 1),
    (1, 3, 6, 5, 2, 3),  # stride > size, (6 - 2) % 3 != 0
    (3, 2, 8, 7, 3, 2),  # (7 - 3) % 2 == 0, (8 - 3) % 2 != 0
]


def torch_pool(x: np.ndarray, dout: np.ndarray, size: int, stride: int) -> tuple[np.ndarray, ...]:
    xt = torch.tensor(x, requires_grad=True)
    out = F.max_pool2d(xt, size, stride)
    out.backward(torch.from_numpy(dout))
    return out.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_matches_torch_with_distinct_values(
    impl: ModuleType, case: tuple[int, ...]
) -> None:
    n, c, h, w, size, stride = case
    rng = np.random.default_rng(0)
    x = rng.permutation(n * c * h * w).reshape(n, c, h, w) * 0.5 - 7.0  # distinct values
    oh, ow = impl.conv_output_size(h, size, stride), impl.conv_output_size(w, size, stride)
    dout = np.arange(1.0, n * c * oh * ow + 1).reshape(n, c, oh, ow)  # identifiable gradients
    x0, dout0 = x.copy(), dout.copy()
    out, dx_t = torch_pool(x, dout, size, stride)

    assert_close(impl.maxpool2d_forward(x, size=size, stride=stride), out)
    assert_close(impl.maxpool2d_backward(dout, x, size=size, stride=stride), dx_t)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, dout0)


@pytest.mark.parametrize("case", [(2, 2, 6, 6, 2, 2), (1, 2, 6, 5, 3, 1)], ids=str)
def test_maxpool_ties_go_to_the_first_maximum_like_torch(
    impl: ModuleType, case: tuple[int, ...]
) -> None:
    n, c, h, w, size, stride = case
    x = np.random.default_rng(3).integers(0, 2, size=(n, c, h, w)).astype(np.float64)
    x[0, 0] = 1.0  # every window of this channel is one big tie
    oh, ow = impl.conv_output_size(h, size, stride), impl.conv_output_size(w, size, stride)
    dout = np.arange(1.0, n * c * oh * ow + 1).reshape(n, c, oh, ow)
    out, dx_t = torch_pool(x, dout, size, stride)
    assert_close(impl.maxpool2d_forward(x, size, stride), out)
    assert_close(impl.maxpool2d_backward(dout, x, size, stride), dx_t)


def test_maxpool_default_size_and_stride(impl: ModuleType) -> None:
    x = np.random.default_rng(1).standard_normal((1, 2, 5, 4))
    dout = np.ones((1, 2, 2, 2))
    out, dx_t = torch_pool(x, dout, 2, 2)
    assert_close(impl.maxpool2d_forward(x), out)
    assert_close(impl.maxpool2d_backward(dout, x), dx_t)


def test_simple_cnn_shape_and_parameter_count(impl: ModuleType) -> None:
    torch.manual_seed(0)
    model = impl.SimpleCNN()
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 10)
    assert isinstance(model.conv1, nn.Conv2d) and isinstance(model.conv2, nn.Conv2d)
    assert isinstance(model.fc1, nn.Linear) and isinstance(model.fc2, nn.Linear)
    by_hand = (
        (32 * 3 * 3 * 3 + 32)  # conv1
        + (64 * 32 * 3 * 3 + 64)  # conv2
        + (128 * 64 * 8 * 8 + 128)  # fc1
        + (10 * 128 + 10)  # fc2
    )
    assert by_hand == 545_098
    assert impl.count_parameters(model) == by_hand


def test_count_parameters_skips_frozen_ones(impl: ModuleType) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert impl.count_parameters(model) == 3 * 4 + 4 + 4 * 2 + 2
    model[0].bias.requires_grad_(False)
    assert impl.count_parameters(model) == 3 * 4 + 4 * 2 + 2


def test_digits_model_reaches_095(impl: ModuleType) -> None:
    torch.manual_seed(0)
    model = impl.build_digits_model()
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
    assert reference_cnn.train_digits_model(model, seed=0) >= 0.95


def test_train_digits_model_is_deterministic() -> None:
    accuracies = []
    for _ in range(2):
        torch.manual_seed(1)
        accuracies.append(
            reference_cnn.train_digits_model(reference_cnn.build_digits_model(), seed=1, epochs=2)
        )
    assert accuracies[0] == accuracies[1]


@pytest.mark.gpu
def test_digits_model_on_cuda() -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    torch.manual_seed(0)
    model = reference_cnn.build_digits_model()
    assert reference_cnn.train_digits_model(model, seed=0, device="cuda") >= 0.95
    assert next(model.parameters()).device.type == "cuda"
