"""Every answer key is right: recomputed independently with torch, numpy and the reference.

A wrong key is the worst bug a quiz can have, so each numeric question, each
parameterised question (over many seeds) and each answer function has an
independent computation here, and every true/false fact that code can check is
checked against what torch actually does. Adding a numeric or parameterised
question without a check here fails `test_every_*_question_has_a_check`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest

from grader.quiz import answers
from grader.quiz.bank import load_bank
from grader.quiz.session import instantiate

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

BANK = load_bank()
SEEDS = range(40)


def _reference(name: str):
    return pytest.importorskip(f"reference.{name}")


def _n_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def _loader_len(n: int, batch: int, drop_last: bool = False) -> int:
    return len(torch.utils.data.DataLoader(range(n), batch_size=batch, drop_last=drop_last))


def _minibatch_sizes(n: int, batch: int) -> list[int]:
    return [len(b) for b in _reference("gradient_descent").minibatches(n, batch)]


def _momentum_buffer_limit(momentum: float) -> float:
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1e-3, momentum=momentum)
    for _ in range(4000):
        p.grad = torch.ones_like(p)
        opt.step()
    return float(opt.state[p]["momentum_buffer"])


def _adam_first_moment(beta: float, step: int) -> float:
    """Adam's exp_avg after `step` constant unit gradients: 1 - beta^t."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1e-3, betas=(beta, 0.999))
    for _ in range(step):
        p.grad = torch.ones_like(p)
        opt.step()
    return float(opt.state[p]["exp_avg"])


def _step_lr(initial_lr: float, epoch: int, step_size: int, gamma: float) -> float:
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=initial_lr)
    schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
    for _ in range(epoch):
        opt.step()
        schedule.step()
    return opt.param_groups[0]["lr"]


def _weight_grad_entries(n_out: int, n_in: int, batch: int) -> int:
    layer = nn.Linear(n_in, n_out)
    layer(torch.randn(batch, n_in)).mean().backward()
    return layer.weight.grad.numel()


def _dropout_scale(p: float) -> float:
    torch.manual_seed(0)
    out = F.dropout(torch.ones(10_000, dtype=torch.float64), p=p, training=True)
    return float(out.max())


def _grid_trainings(values_a: int, values_b: int, values_c: int, folds: int) -> int:
    sklearn = pytest.importorskip("sklearn.model_selection")
    grid = sklearn.ParameterGrid(
        {"lr": range(values_a), "batch": range(values_b), "dropout": range(values_c)}
    )
    return len(grid) * sklearn.KFold(n_splits=folds).get_n_splits()


def _bce(p: float, y: int) -> float:
    torch_value = F.binary_cross_entropy(
        torch.tensor([p], dtype=torch.float64), torch.tensor([float(y)], dtype=torch.float64)
    )
    reference_value = _reference("losses").binary_cross_entropy(np.array([p]), np.array([y]))
    assert math.isclose(float(torch_value), reference_value, rel_tol=1e-9)
    return float(torch_value)


def _uniform_ce(classes: int) -> float:
    logits = np.zeros((3, classes))
    labels = np.array([0, 1, classes - 1])
    torch_value = float(F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels)))
    assert math.isclose(
        torch_value, _reference("losses").cross_entropy(logits, labels), rel_tol=1e-9
    )
    return torch_value


def _sigmoid(z: float) -> float:
    value = float(torch.sigmoid(torch.tensor(z, dtype=torch.float64)))
    assert math.isclose(value, float(_reference("activations").sigmoid(np.array(z))), rel_tol=1e-12)
    return value


def _sigmoid_grad(z: float) -> float:
    t = torch.tensor(float(z), dtype=torch.float64, requires_grad=True)
    torch.sigmoid(t).backward()
    value = float(t.grad)
    reference = float(_reference("activations").sigmoid_grad(np.array(float(z))))
    assert math.isclose(value, reference, rel_tol=1e-9)
    return value


def _leaky_relu(z: float, alpha: float) -> float:
    value = float(F.leaky_relu(torch.tensor(float(z), dtype=torch.float64), alpha))
    reference = float(_reference("activations").leaky_relu(np.array(float(z)), alpha))
    assert math.isclose(value, reference, rel_tol=1e-12)
    return value


def _conv_output(size: int, kernel: int, stride: int, padding: int) -> int:
    out = F.conv2d(
        torch.zeros(1, 1, size, size),
        torch.zeros(1, 1, kernel, kernel),
        stride=stride,
        padding=padding,
    )
    assert out.shape[-1] == _reference("cnn").conv_output_size(size, kernel, stride, padding)
    return out.shape[-1]


def _pool_output(size: int, kernel: int, stride: int) -> int:
    return F.max_pool2d(torch.zeros(1, 1, size, size), kernel, stride).shape[-1]


def _megabytes(batch: int, channels: int, height: int, width: int) -> float:
    t = torch.empty(batch, channels, height, width, dtype=torch.float32, device="meta")
    return t.nelement() * t.element_size() / 1e6


def _updates_per_epoch(n_samples: int, batch_size: int) -> int:
    count = _loader_len(n_samples, batch_size)
    assert count == _reference("gradient_descent").updates_per_epoch(n_samples, batch_size)
    assert count == len(_minibatch_sizes(n_samples, batch_size))
    return count


# question id -> independent computation from the instance's drawn parameters
PARAMETERISED: dict[str, Callable[..., float]] = {
    "neurons/dense-layer-parameters": lambda n_in, n_out: _n_params(nn.Linear(n_in, n_out)),
    "neurons/mlp-parameters": lambda n_in, hidden, n_out: _n_params(
        nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))
    ),
    "activations/sigmoid-value": _sigmoid,
    "activations/leaky-relu-value": _leaky_relu,
    "loss/bce-value": _bce,
    "loss/uniform-cross-entropy": _uniform_ce,
    "backprop/weight-gradient-entries": _weight_grad_entries,
    "backprop/sigmoid-local-gradient": _sigmoid_grad,
    "gradient-descent/updates-per-epoch": _updates_per_epoch,
    "epochs-batches/total-updates": lambda n_samples, batch_size, epochs: (
        epochs * len(_minibatch_sizes(n_samples, batch_size))
    ),
    "epochs-batches/last-batch": lambda n_samples, batch_size: _minibatch_sizes(
        n_samples, batch_size
    )[-1],
    "optimizers/momentum-multiplier": lambda momentum: _momentum_buffer_limit(momentum),
    "optimizers/adam-bias-correction": _adam_first_moment,
    "optimizers/step-lr": _step_lr,
    "regularization/dropout-scale": _dropout_scale,
    "hyperparameters/grid-search-size": _grid_trainings,
    "pytorch/drop-last": lambda n_samples, batch_size: _loader_len(n_samples, batch_size, True),
    "cnn/conv-output-size": _conv_output,
    "cnn/pool-output-size": _pool_output,
    "cnn/conv-parameters": lambda in_channels, out_channels, kernel: _n_params(
        nn.Conv2d(in_channels, out_channels, kernel)
    ),
    "cnn/feature-map-memory": _megabytes,
}


def _adam_first_step() -> float:
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.001, betas=(0.9, 0.999), eps=1e-8)
    p.grad = torch.tensor([5.0], dtype=torch.float64)
    opt.step()
    return abs(float(p.detach()))


def _ce_grad_true_class() -> float:
    logits = torch.log(torch.tensor([[0.7, 0.3]], dtype=torch.float64)).requires_grad_()
    F.cross_entropy(logits, torch.tensor([0])).backward()
    expected = _reference("losses").cross_entropy_grad(logits.detach().numpy(), np.array([0]))
    assert math.isclose(float(logits.grad[0, 0]), float(expected[0, 0]), rel_tol=1e-9)
    return float(logits.grad[0, 0])


def _chain_rule_value() -> float:
    w = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (w * 3.0).pow(2).backward()
    return float(w.grad)


def _divergence_threshold() -> float:
    """Bisect, by simulation, the learning rate above which GD on w^2 blows up."""

    def diverges(lr: float) -> bool:
        w = 1.0
        for _ in range(10):
            w -= lr * 2 * w
        return abs(w) > 1.0

    low, high = 0.1, 3.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (low, middle) if diverges(middle) else (middle, high)
    return high


def _simplecnn_flatten() -> int:
    cnn = _reference("cnn").SimpleCNN()
    x = torch.zeros(2, 3, 32, 32)
    features = cnn.pool(torch.relu(cnn.conv2(cnn.pool(torch.relu(cnn.conv1(x))))))
    assert cnn.fc1.in_features == features.flatten(1).shape[1]
    return features.flatten(1).shape[1]


def _mse_example() -> float:
    prediction, target = np.array([2.0, 0.0, 3.0]), np.array([1.0, 0.0, 5.0])
    value = float(F.mse_loss(torch.from_numpy(prediction), torch.from_numpy(target)))
    assert math.isclose(value, _reference("losses").mse(prediction, target), rel_tol=1e-12)
    return value


def _multiclass_ce_example() -> float:
    logits = np.log(np.array([[0.7, 0.2, 0.1]]))  # softmax(log p) = p
    labels = np.array([1])
    value = float(F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels)))
    assert math.isclose(value, _reference("losses").cross_entropy(logits, labels), rel_tol=1e-9)
    return value


def _sigmoid_grad_max() -> float:
    grid = np.linspace(-10, 10, 20_001)
    values = _reference("activations").sigmoid_grad(grid)
    assert grid[np.argmax(values)] == 0.0
    return float(values.max())


NUMERIC: dict[str, Callable[[], float]] = {
    "neurons/weighted-sum": lambda: _reference("neuron").weighted_sum(
        np.array([2.0, 1.0, 0.5]), np.array([0.5, -1.0, 2.0]), 0.5
    ),
    "activations/sigmoid-at-zero": lambda: _sigmoid(0.0),
    "activations/sigmoid-grad-max": _sigmoid_grad_max,
    "loss/mse-example": _mse_example,
    "loss/multiclass-ce-example": _multiclass_ce_example,
    "loss/ce-gradient-true-class": _ce_grad_true_class,
    "backprop/chain-rule-value": _chain_rule_value,
    "gradient-descent/divergence-threshold": _divergence_threshold,
    "epochs-batches/mnist-batches": lambda: _loader_len(60_000, 128),
    "epochs-batches/full-batch-updates": lambda: 50 * _loader_len(1000, 1000),
    "optimizers/adam-first-step": _adam_first_step,
    "cnn/flatten-size": _simplecnn_flatten,
}


def _relu_grad_at_zero_is_zero() -> bool:
    z = torch.zeros(1, requires_grad=True)
    torch.relu(z).sum().backward()
    reference = _reference("activations").relu_grad(np.zeros(1))
    return float(z.grad) == 0.0 and float(reference[0]) == 0.0


def _softmax_shift_invariant() -> bool:
    z = np.array([[1.0, -2.0, 3.5]])
    softmax = _reference("activations").softmax
    return bool(np.allclose(softmax(z), softmax(z + 123.0)))


def _bias_grad_is_summed_delta() -> bool:
    layer = nn.Linear(3, 4)
    delta = torch.randn(5, 4)
    (layer(torch.randn(5, 3)) * delta).sum().backward()
    return torch.allclose(layer.bias.grad, delta.sum(0))


def _dropout_identity_in_eval() -> bool:
    x = torch.randn(100)
    return torch.equal(nn.Dropout(0.5).eval()(x), x)


def _gradients_accumulate() -> bool:
    w = torch.ones(1, requires_grad=True)
    (2 * w).sum().backward()
    (3 * w).sum().backward()
    return float(w.grad) == 5.0


def _to_leaves_tensor_moves_module() -> bool:
    x = torch.zeros(2)
    x.to(torch.float64)
    model = nn.Linear(2, 2)
    returned = model.to(torch.float64)
    return x.dtype == torch.float32 and model.weight.dtype == torch.float64 and returned is model


def _conv2d_flips_kernel() -> bool:
    x = torch.arange(9.0).reshape(1, 1, 3, 3)
    w = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    cross_correlation = (x[0, 0, :2, :2] * w[0, 0]).sum()
    return not torch.isclose(F.conv2d(x, w)[0, 0, 0, 0], cross_correlation)


def _adam_weight_decay_is_l2() -> bool:
    def run(optimizer: Callable, add_l2: bool) -> torch.Tensor:
        p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
        opt = optimizer([p], lr=0.1, weight_decay=0.0 if add_l2 else 0.5)
        for _ in range(3):
            p.grad = torch.tensor([0.3, 0.1], dtype=torch.float64) + (
                0.5 * p.detach() if add_l2 else 0
            )
            opt.step()
        return p.detach()

    adam = run(torch.optim.Adam, add_l2=False)
    return torch.allclose(adam, run(torch.optim.Adam, add_l2=True)) and not torch.allclose(
        adam, run(torch.optim.AdamW, add_l2=False)
    )


# true/false question id -> what torch / the reference actually do
FACTS: dict[str, Callable[[], bool]] = {
    "activations/relu-grad-at-zero": _relu_grad_at_zero_is_zero,
    "activations/softmax-shift": _softmax_shift_invariant,
    "backprop/bias-gradient": _bias_grad_is_summed_delta,
    "regularization/dropout-at-evaluation": _dropout_identity_in_eval,
    "pytorch/gradients-accumulate": _gradients_accumulate,
    "pytorch/tensor-to-not-in-place": _to_leaves_tensor_moves_module,
    "cnn/cross-correlation": _conv2d_flips_kernel,
    "optimizers/adam-weight-decay": _adam_weight_decay_is_l2,
}


def _ids(kind: str) -> set[str]:
    return {q.id for q in BANK.questions if q.kind == kind}


def test_every_numeric_and_parameterised_question_has_a_check() -> None:
    assert set(NUMERIC) == _ids("numeric")
    assert set(PARAMETERISED) == _ids("parameterised")
    assert set(FACTS) <= _ids("true-false")


@pytest.mark.parametrize("question_id", sorted(NUMERIC))
def test_numeric_keys(question_id: str) -> None:
    question = BANK.question(question_id)
    expected = NUMERIC[question_id]()
    assert math.isclose(question.answer, expected, rel_tol=1e-9, abs_tol=1e-9), (
        f"{question_id}: key {question.answer}, recomputed {expected}"
    )
    # the rounded answer a learner is shown must itself be accepted
    instance = instantiate(question, 0)
    assert instance.is_right(instance.parse(instance.right_answer))


@pytest.mark.parametrize("question_id", sorted(PARAMETERISED))
def test_parameterised_keys_over_many_seeds(question_id: str) -> None:
    question = BANK.question(question_id)
    seen = set()
    for seed in SEEDS:
        instance = instantiate(question, seed)
        key = tuple(instance.parameters.items())
        if key in seen:
            continue
        seen.add(key)
        expected = PARAMETERISED[question_id](**instance.parameters)
        assert math.isclose(instance.answer, expected, rel_tol=1e-6, abs_tol=1e-9), (
            f"{question_id} with {instance.parameters}: key {instance.answer}, recomputed {expected}"
        )
        assert instance.is_right(instance.parse(instance.right_answer))
        assert not instance.is_right(instance.answer + 2 * instance.tolerance + 1)


@pytest.mark.parametrize("question_id", sorted(FACTS))
def test_true_false_facts_match_torch(question_id: str) -> None:
    assert BANK.question(question_id).answer is FACTS[question_id]()


def test_answer_functions_match_the_reference_on_their_whole_ranges() -> None:
    gradient_descent = _reference("gradient_descent")
    cnn = _reference("cnn")
    optimizers = _reference("optimizers")
    for n, batch in itertools.product(range(1, 300, 7), range(1, 70, 3)):
        assert answers.updates_per_epoch(n, batch) == gradient_descent.updates_per_epoch(n, batch)
        sizes = [len(b) for b in gradient_descent.minibatches(n, batch)]
        assert answers.last_batch_size(n, batch) == sizes[-1]
        assert answers.batches_dropping_last(n, batch) == sizes.count(batch)
    for size, kernel, stride, padding in itertools.product(
        range(5, 40, 3), range(1, 6), range(1, 4), range(3)
    ):
        assert answers.conv_output_size(size, kernel, stride, padding) == cnn.conv_output_size(
            size, kernel, stride, padding
        )
    for initial, epoch, step, gamma in itertools.product(
        (0.1, 0.05), range(50), (5, 10), (0.1, 0.5)
    ):
        assert math.isclose(
            answers.step_lr(initial, epoch, step, gamma),
            optimizers.step_lr(initial, epoch, step, gamma),
            rel_tol=1e-12,
        )
    for z in np.linspace(-6, 6, 49):
        assert math.isclose(answers.sigmoid(z), _sigmoid(z), rel_tol=1e-12)
        assert math.isclose(answers.sigmoid_grad(z), _sigmoid_grad(z), rel_tol=1e-9)


def test_adam_momentum_and_dropout_functions_match_the_reference_optimizers() -> None:
    optimizers = _reference("optimizers")
    regularization = _reference("regularization")
    params = {"w": np.zeros(1)}
    adam = optimizers.Adam(lr=0.001)
    adam.step(params, {"w": np.array([5.0])})
    assert math.isclose(abs(params["w"][0]), BANK.question("optimizers/adam-first-step").answer)
    params = {"w": np.zeros(1)}
    sgd = optimizers.SGD(lr=1.0, momentum=0.9)
    for _ in range(2000):
        before = params["w"].copy()
        sgd.step(params, {"w": np.ones(1)})
    step = float(before[0] - params["w"][0])
    assert math.isclose(step, answers.momentum_step_multiplier(0.9), rel_tol=1e-9)
    out, mask = regularization.dropout(np.ones(1000), 0.25, True, np.random.default_rng(0))
    assert math.isclose(out[mask].max(), answers.inverted_dropout_scale(0.25))
