"""Exercise 9, ``cnn``: convolutional networks, by hand and in PyTorch.

Part 1 (numpy) builds a convolution layer and a max-pooling layer, forward and
backward, with the same conventions as ``torch.nn.functional``:

- images ``x`` are ``(N, C, H, W)``: batch, channels, height, width;
- kernels ``w`` are ``(F, C, KH, KW)``: ``F`` filters, each spanning all ``C``
  input channels; the bias ``b`` is ``(F,)``;
- "convolution" is cross-correlation, as in every deep-learning library: the
  kernel slides over the image *without* being flipped.

Part 2 (PyTorch) builds the notes' CNN, counts its parameters, and designs a
small CNN for scikit-learn's 8x8 handwritten digits.
"""

import numpy as np
import torch
from torch import nn

# ---------------------------------------------------------------------------
# Part 1: numpy
# ---------------------------------------------------------------------------


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Number of positions a window of side ``kernel`` takes along one axis.

    The axis has ``size`` entries plus ``padding`` zeros on each side, and the
    window moves by ``stride``:

        out = floor((size + 2 * padding - kernel) / stride) + 1

    Example: ``conv_output_size(32, 3, 1, 1) == 32`` ("same" padding).
    Pitfall: the ``+ 1`` counts the first position; padding is added on *both* sides.
    """
    # BEGIN SOLUTION
    return (size + 2 * padding - kernel) // stride + 1
    # END SOLUTION


def conv2d_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Forward pass of a 2-D convolution layer (cross-correlation).

    ``x (N, C, H, W)``, ``w (F, C, KH, KW)``, ``b (F,)`` -> ``out (N, F, OH, OW)``
    with ``OH = conv_output_size(H, KH, stride, padding)`` (likewise ``OW``).
    With ``x_pad`` = ``x`` zero-padded by ``padding`` on each side of H and W, and
    ``S = stride``:

        out[n, f, i, j] = b[f] + sum_{c, p, q} x_pad[n, c, S*i + p, S*j + q] * w[f, c, p, q]

    Must equal ``torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)``.
    Hint: loop over the output positions ``(i, j)``; cut the window
    ``x_pad[:, :, hs:hs+KH, ws:ws+KW]`` (shape ``(N, C, KH, KW)``) and contract it
    with all filters at once (``np.tensordot`` or ``np.einsum``).
    Pitfalls: do not flip the kernel; do not forget the stride when locating a
    window; do not modify ``x``.
    """
    # BEGIN SOLUTION
    N, _, H, W = x.shape
    F, _, KH, KW = w.shape
    OH = conv_output_size(H, KH, stride, padding)
    OW = conv_output_size(W, KW, stride, padding)
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.zeros((N, F, OH, OW), dtype=np.result_type(x, w, b))
    for i in range(OH):
        for j in range(OW):
            hs, ws = i * stride, j * stride
            window = x_pad[:, :, hs : hs + KH, ws : ws + KW]  # (N, C, KH, KW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
    # END SOLUTION


def conv2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    stride: int = 1,
    padding: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``conv2d_forward``: the gradients of ``sum(out * dout)``.

    ``dout (N, F, OH, OW)`` is the upstream gradient. Returns ``(dx, dw, db)``
    with the shapes of ``x``, ``w`` and ``b``. Each output ``out[n, f, i, j]``
    used one window of ``x_pad`` and all of ``w[f]``, so, for every ``(i, j)``:

        dw[f]              += sum_n dout[n, f, i, j] * window_n         (window of x_pad)
        dx_pad[n, window]  += sum_f dout[n, f, i, j] * w[f]
        db[f]               = sum_{n, i, j} dout[n, f, i, j]

    then ``dx`` is ``dx_pad`` with the padding cut off.
    Pitfalls: windows overlap when ``stride < kernel``, so *add* into ``dx_pad``
    (``+=``), never assign; ``db`` sums over the batch *and* every position.
    """
    # BEGIN SOLUTION
    _, _, H, W = x.shape
    _, _, KH, KW = w.shape
    _, _, OH, OW = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dx_pad = np.zeros(x_pad.shape, dtype=np.result_type(dout, w))
    dw = np.zeros(w.shape, dtype=np.result_type(dout, x))
    db = dout.sum(axis=(0, 2, 3))
    for i in range(OH):
        for j in range(OW):
            hs, ws = i * stride, j * stride
            window = x_pad[:, :, hs : hs + KH, ws : ws + KW]  # (N, C, KH, KW)
            g = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(g, window, axes=([0], [0]))  # (F, C, KH, KW)
            dx_pad[:, :, hs : hs + KH, ws : ws + KW] += np.tensordot(g, w, axes=([1], [0]))
    dx = dx_pad[:, :, padding : padding + H, padding : padding + W].copy()
    return dx, dw, db
    # END SOLUTION


def maxpool2d_forward(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Max pooling: the maximum of each ``size x size`` window, per image and channel.

    ``x (N, C, H, W)`` -> ``(N, C, OH, OW)``, ``OH = conv_output_size(H, size, stride)``
    (no padding; likewise ``OW``):

        out[n, c, i, j] = max_{p, q < size} x[n, c, stride*i + p, stride*j + q]

    Must equal ``torch.nn.functional.max_pool2d(x, size, stride)``.
    Pitfall: take the max over the two window axes only, not over channels.
    """
    # BEGIN SOLUTION
    N, C, H, W = x.shape
    OH = conv_output_size(H, size, stride)
    OW = conv_output_size(W, size, stride)
    out = np.zeros((N, C, OH, OW), dtype=x.dtype)
    for i in range(OH):
        for j in range(OW):
            hs, ws = i * stride, j * stride
            out[:, :, i, j] = x[:, :, hs : hs + size, ws : ws + size].max(axis=(2, 3))
    return out
    # END SOLUTION


def maxpool2d_backward(
    dout: np.ndarray, x: np.ndarray, size: int = 2, stride: int = 2
) -> np.ndarray:
    """Backward pass of ``maxpool2d_forward``: the gradient of ``sum(out * dout)``.

    ``dout (N, C, OH, OW)`` -> ``dx`` shaped like ``x``. Only the maximum of a
    window influenced its output, so ``dout[n, c, i, j]`` goes entirely to the
    position of that window's maximum; every other position of the window gets 0.
    On ties, use the first maximum in row-major order (what ``np.argmax`` on the
    flattened window returns, and what torch does).
    Pitfalls: do not spread the gradient over the whole window; when windows
    overlap (``stride < size``) one position can be the maximum of several
    windows, so *add* the gradients.
    """
    # BEGIN SOLUTION
    N, C, _, _ = x.shape
    _, _, OH, OW = dout.shape
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for i in range(OH):
        for j in range(OW):
            hs, ws = i * stride, j * stride
            window = x[:, :, hs : hs + size, ws : ws + size].reshape(N, C, size * size)
            first_max = window.argmax(axis=2)  # (N, C), index into the flat window
            mask = np.zeros(window.shape, dtype=dx.dtype)
            np.put_along_axis(mask, first_max[:, :, None], 1.0, axis=2)
            mask = mask.reshape(N, C, size, size)
            dx[:, :, hs : hs + size, ws : ws + size] += mask * dout[:, :, i, j][:, :, None, None]
    return dx
    # END SOLUTION


# ---------------------------------------------------------------------------
# Part 2: PyTorch
# ---------------------------------------------------------------------------


class SimpleCNN(nn.Module):
    """The notes' CNN for ``(N, 3, 32, 32)`` colour images -> ``(N, 10)`` logits.

    Layers, in this order (the names are yours: attributes, ``nn.Sequential`` blocks or
    both; the grader finds the two ``Conv2d`` and the two ``Linear`` layers):

    - ``conv1``: ``nn.Conv2d`` 3 -> 32 channels, 3x3 kernel, padding 1; then ReLU
      and 2x2 max pooling -> ``(N, 32, 16, 16)``
    - ``conv2``: ``nn.Conv2d`` 32 -> 64 channels, 3x3 kernel, padding 1; then ReLU
      and 2x2 max pooling -> ``(N, 64, 8, 8)``
    - flatten -> ``(N, 64 * 8 * 8)``
    - ``fc1``: ``nn.Linear`` 4096 -> 128, then ReLU
    - ``fc2``: ``nn.Linear`` 128 -> 10 (raw logits: no softmax, the loss applies it)

    Pitfall: flatten from dimension 1 on, keeping the batch dimension.
    """

    def __init__(self) -> None:
        """Create the layers (e.g. ``conv1``, ``conv2``, ``fc1``, ``fc2`` and a pooling layer)."""
        super().__init__()
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (N, 3, 32, 32)`` -> logits ``(N, 10)``."""
        # BEGIN SOLUTION
        x = self.pool(torch.relu(self.conv1(x)))  # (N, 32, 16, 16)
        x = self.pool(torch.relu(self.conv2(x)))  # (N, 64, 8, 8)
        x = torch.flatten(x, start_dim=1)  # (N, 4096)
        x = torch.relu(self.fc1(x))  # (N, 128)
        return self.fc2(x)
        # END SOLUTION


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars in ``model``.

    Sum ``p.numel()`` over ``model.parameters()`` that have ``requires_grad``.
    Check by hand: a ``Conv2d(C, F, k)`` has ``F*C*k*k + F`` parameters, a
    ``Linear(i, o)`` has ``o*i + o``; pooling, ReLU and flatten have none.
    """
    # BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
    # END SOLUTION


def build_digits_model() -> nn.Module:
    """Design a model for scikit-learn's 8x8 digits: ``(N, 1, 8, 8)`` -> ``(N, 10)`` logits.

    Pixels are already scaled to [0, 1]. The grader trains your model with its
    standard loop (cross-entropy, Adam lr 1e-3, batch 64, 20 epochs, a seeded
    stratified 75/25 split) and requires a test accuracy of at least 0.95.
    A small CNN is enough, e.g. one conv layer with padding, ReLU, a 2x2 max pool,
    flatten, and two linear layers; ``nn.Sequential`` keeps it short.
    Pitfalls: return logits (no softmax at the end: the cross-entropy loss applies
    it); work out the flattened size from the shapes (8x8 pooled once is 4x4).
    """
    # BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 32, 4, 4)
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )
    # END SOLUTION
