"""Data sets of the PyTorch exercises, from what scikit-learn ships (no download).

Both splits are stratified and seeded, so the same ``seed`` always gives the
same train/test partition:

- ``wine_split``: the Wine recognition data (178 samples, 13 features, 3 classes),
  used by the ``training_loop`` exercise.
- ``digits_split``: the 8x8 handwritten digits (1797 images, 10 classes) as
  ``(N, 1, 8, 8)`` float32 images with pixels in [0, 1], used by ``cnn``.

scikit-learn is imported inside the functions so that importing this module
costs nothing for the numpy-only exercises.
"""

from __future__ import annotations

import numpy as np


def wine_split(
    seed: int = 0, test_size: float = 0.25
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified split of the Wine data.

    Returns ``(X_train, X_test, y_train, y_test)``: features float64 ``(n, 13)``,
    unscaled; labels int64 ``(n,)`` in {0, 1, 2}.
    """
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split

    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float64),
        y.astype(np.int64),
        test_size=test_size,
        stratify=y,
        random_state=seed,
    )
    return X_train, X_test, y_train, y_test


def digits_split(
    seed: int = 0, test_size: float = 0.25
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified split of scikit-learn's 8x8 digits.

    Returns ``(X_train, X_test, y_train, y_test)``: images float32 ``(n, 1, 8, 8)``
    with pixels divided by 16 (range [0, 1]); labels int64 ``(n,)`` in 0..9.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]  # (N, 1, 8, 8)
    labels = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        images, labels, test_size=test_size, stratify=labels, random_state=seed
    )
    return X_train, X_test, y_train, y_test
