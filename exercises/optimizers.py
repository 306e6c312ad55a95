# neurograde exercise `optimizers`: write your code where a function raises
# NotImplementedError, save, then grade it with:  neurograde grade optimizers
# (`neurograde watch optimizers` grades on every save; `neurograde hint optimizers` helps;
# `neurograde docs optimizers` is the full contract.)
"""Exercise: optimizers — SGD with momentum, RMSProp, Adagrad, Adam and a learning-rate schedule.

Each optimizer is a class. Its ``step(params, grads)`` receives two dicts with
the same keys (for example ``"W1"``, ``"b1"``, ...): ``params`` maps each name
to a float array, ``grads`` maps it to the gradient of the loss with respect to
that array (same shape). ``step`` must:

* update every array of ``params`` IN PLACE (``p -= ...``), so that the caller's
  arrays change; assigning ``params[key] = new_array`` is not enough;
* keep its state (velocities, running averages, step counts) separately for
  each key, e.g. in dicts keyed by parameter name, created on the first step;
* not modify the arrays in ``grads``.

Match ``torch.optim`` exactly (same defaults, same formulas):

* ``weight_decay`` adds ``wd * p`` to the gradient before anything else;
* the first momentum buffer is the first gradient itself;
* ``eps`` is added after the square root: ``sqrt(v) + eps``;
* Adam bias-corrects its moments with ``1 - beta ** t``, ``t = 1, 2, ...``.

The hyperparameters are stored for you in each ``__init__``; you create the
optimizer's state there and write ``step``.
"""

import numpy as np


class SGD:
    """Stochastic gradient descent with optional momentum and weight decay.

    Per key, with ``g = grad + weight_decay * p``:

    * ``momentum == 0``: ``p -= lr * g``;
    * otherwise a velocity ``v`` is kept per key: ``v = g`` on the first step,
      then ``v = momentum * v + g``; and ``p -= lr * v``.

    Pitfall: the velocity must persist between calls to ``step``.
    """

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        raise NotImplementedError("__init__: write your code here")

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads``; return nothing."""
        raise NotImplementedError("step: write your code here")


class RMSProp:
    """RMSProp: divide each step by a running root mean square of the gradients.

    Per key, with a running average ``s`` of squared gradients starting at zero:
    ``s = alpha * s + (1 - alpha) * g**2`` and ``p -= lr * g / (sqrt(s) + eps)``.

    Pitfall: ``eps`` goes outside the square root.
    """

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        raise NotImplementedError("__init__: write your code here")

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads``; return nothing."""
        raise NotImplementedError("step: write your code here")


class Adagrad:
    """Adagrad: divide each step by the root of the SUM of all past squared gradients.

    Per key, with an accumulator ``G`` starting at zero:
    ``G = G + g**2`` and ``p -= lr * g / (sqrt(G) + eps)``.

    Pitfall: ``G`` is a plain sum, not a decaying average (that would be RMSProp).
    """

    def __init__(self, lr: float = 0.01, eps: float = 1e-10) -> None:
        self.lr = lr
        self.eps = eps
        raise NotImplementedError("__init__: write your code here")

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads``; return nothing."""
        raise NotImplementedError("step: write your code here")


class Adam:
    """Adam: momentum plus RMSProp scaling, both bias-corrected.

    Per key, with ``g = grad + weight_decay * p``, moments ``m``, ``v`` starting
    at zero, a step counter ``t`` starting at 0 and ``beta1, beta2 = betas``:

    * ``t = t + 1``
    * ``m = beta1 * m + (1 - beta1) * g``
    * ``v = beta2 * v + (1 - beta2) * g**2``
    * ``m_hat = m / (1 - beta1**t)``, ``v_hat = v / (1 - beta2**t)``
    * ``p -= lr * m_hat / (sqrt(v_hat) + eps)``

    Pitfall: without the bias correction the first steps are far too large
    (about 3 * lr); with it, the first step moves every coordinate by about ``lr``.
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
        raise NotImplementedError("__init__: write your code here")

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads``; return nothing."""
        raise NotImplementedError("step: write your code here")


def step_lr(initial_lr: float, epoch: int, step_size: int, gamma: float = 0.1) -> float:
    """Step decay schedule: multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Return ``initial_lr * gamma ** (epoch // step_size)``; epochs count from 0.
    """
    raise NotImplementedError("step_lr: write your code here")
