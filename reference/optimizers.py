"""Optimizers: SGD with momentum, RMSProp, Adagrad, Adam, and a step learning-rate schedule.

Every optimizer updates a dict of parameter arrays in place from a dict of
gradients with the same keys, keeping its state (velocities, running averages,
step counts) separately for each key. The semantics and defaults are those of
``torch.optim`` (``SGD``, ``RMSprop``, ``Adagrad``, ``Adam``):

* ``weight_decay`` is an L2 term added to the gradient first: ``g <- g + wd p``;
* the first momentum buffer is the first gradient itself (no dampening);
* ``eps`` is added after the square root: ``sqrt(v) + eps``;
* Adam divides its moments by ``1 - beta^t`` (bias correction), ``t`` counted
  from 1 for each parameter.
"""

import numpy as np


class SGD:
    """Stochastic gradient descent with optional momentum and weight decay.

    ``g = grad + wd p``; ``v = g`` on the first step, then ``v = momentum v + g``;
    ``p -= lr v`` (``p -= lr g`` when ``momentum == 0``).
    """

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads`` (same keys, same shapes)."""
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            if self.momentum != 0.0:
                if key in self.velocity:
                    g = self.momentum * self.velocity[key] + g
                self.velocity[key] = g
            p -= self.lr * g


class RMSProp:
    """RMSProp: scale each step by a running root mean square of the gradients.

    ``s = alpha s + (1 - alpha) g^2`` (``s`` starts at 0); ``p -= lr g / (sqrt(s) + eps)``.
    """

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.square_avg: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads`` (same keys, same shapes)."""
        for key, p in params.items():
            g = grads[key]
            s = self.square_avg.get(key, np.zeros_like(p))
            s = self.alpha * s + (1.0 - self.alpha) * g**2
            self.square_avg[key] = s
            p -= self.lr * g / (np.sqrt(s) + self.eps)


class Adagrad:
    """Adagrad: scale each step by the root of the sum of all past squared gradients.

    ``G = G + g^2`` (``G`` starts at 0); ``p -= lr g / (sqrt(G) + eps)``.
    """

    def __init__(self, lr: float = 0.01, eps: float = 1e-10) -> None:
        self.lr = lr
        self.eps = eps
        self.sum_sq: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads`` (same keys, same shapes)."""
        for key, p in params.items():
            g = grads[key]
            G = self.sum_sq.get(key, np.zeros_like(p)) + g**2
            self.sum_sq[key] = G
            p -= self.lr * g / (np.sqrt(G) + self.eps)


class Adam:
    """Adam: momentum on the gradient and RMSProp scaling, both bias-corrected.

    ``g = grad + wd p``; ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``;
    ``p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`` at step ``t = 1, 2, ...``.
    """

    def __init__(
        self,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self.t: dict[str, int] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads`` (same keys, same shapes)."""
        beta1, beta2 = self.betas
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            t = self.t.get(key, 0) + 1
            m = beta1 * self.m.get(key, np.zeros_like(p)) + (1.0 - beta1) * g
            v = beta2 * self.v.get(key, np.zeros_like(p)) + (1.0 - beta2) * g**2
            self.t[key], self.m[key], self.v[key] = t, m, v
            m_hat = m / (1.0 - beta1**t)
            v_hat = v / (1.0 - beta2**t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def step_lr(initial_lr: float, epoch: int, step_size: int, gamma: float = 0.1) -> float:
    """Step decay: ``initial_lr * gamma ** (epoch // step_size)``."""
    return initial_lr * gamma ** (epoch // step_size)
