"""Checks for `backprop`: the two-layer network's initialisation, passes and gradient check.

Only `loss_and_grads` is a plain function of plain data, so only it has a
table row. The rest need the worker's help (`grader.scenarios.backprop`):
`init_params` takes a generator, `backward` takes the cache of the learner's
own `forward`, `numerical_gradient` takes a function. Properties written by
hand expose the classic mistakes:

- duplicating the batch (X ⊕ X) leaves the loss and every gradient unchanged
  (mean, not sum);
- a batch of one, non-square weights and square ones (where a missing
  transpose has the right shape but the wrong values);
- logits of magnitude 1000 (softmax without max-subtraction);
- `numerical_gradient` leaves x exactly as it found it, and agrees with the
  learner's own `loss_and_grads` (the gradient check the exercise teaches).

Networks are drawn with normal, non-zero parameters (biases included) and no
pre-activation within 1e-3 of ReLU's kink, so central differences are exact
to ~1e-9 and a dead unit never hides a wrong backward.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.checks.base import (
    BATCH,
    Abort,
    Call,
    Context,
    Exercise,
    Failure,
    Fn,
    Subject,
    both,
    cases_check,
    checks_for,
    describe_call,
    hidden_check,
    learner_failure,
    property_check,
)
from grader.checks.compare import describe_type, difference, show
from grader.checks.strategies import sides, stacked_twice
from grader.engine import mutants
from grader.paths import SOLUTIONS
from grader.scenarios import backprop as scenarios
from grader.worker import LearnerError

KEYS = ("W1", "b1", "W2", "b2")
Net = tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]
"""(X, params, labels): one batch through one network."""

GRADCHECK_TOL = 1e-6
"""Largest normwise relative error between a numerical and an analytic gradient."""

# -- networks -------------------------------------------------------------------------


def network(N: int, d: int, H: int, K: int, seed: int) -> Net:
    """N samples, d inputs, H hidden units, K classes: normal weights and biases, no kink near 0."""
    rng = np.random.default_rng(seed)
    for _ in range(100):
        X = rng.normal(size=(N, d))
        W1, b1 = rng.normal(size=(H, d)), 0.5 * rng.normal(size=H)
        if np.min(np.abs(X @ W1.T + b1)) > 1e-3:
            break
    params = {
        "W1": W1,
        "b1": b1,
        "W2": rng.normal(size=(K, H)),
        "b2": 0.5 * rng.normal(size=K),
    }
    return X, params, rng.integers(0, K, size=N).astype(np.int64)


def networks() -> st.SearchStrategy[Net]:
    """Networks of every small shape: N, d, H from 1, K from 2 classes."""
    return st.builds(
        network, sides(1, 4), sides(1, 5), sides(1, 5), sides(2, 4), st.integers(0, 2**32 - 1)
    )


def hidden_network(rng: np.random.Generator) -> Net:
    N, d, H = (int(n) for n in rng.integers(1, 7, size=3))
    return network(N, d, H, int(rng.integers(2, 6)), int(rng.integers(2**32)))


def twice(net: Net) -> Net:
    """The same network on the batch stacked twice."""
    X, params, labels = net
    return stacked_twice(X), params, stacked_twice(labels)


def describe_net(net: Net) -> str:
    X, params, labels = net
    return f"X = {show(X)}, params = {show(params)}, labels = {show(labels)}"


def _describe_first(nets: Sequence[Net]) -> str:
    return describe_net(nets[0])


# Logits of magnitude ~1000: row 1 has z2 = (330, 991, -1), row 2 (180, 1, -181).
LARGE: Net = (
    np.array([[1.0, 2.0], [0.5, -1.0]]),
    {
        "W1": np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
        "b1": np.array([0.1, -0.2, 0.3]),
        "W2": np.array([[300.0, 0.0, 0.0], [0.0, 0.0, 300.0], [-300.0, 0.0, 100.0]]),
        "b2": np.array([0.0, 1.0, -1.0]),
    },
    np.array([0, 2]),
)
EXTREME: Net = (
    np.array([[1.0, -1.0]]),
    {
        "W1": np.eye(2),
        "b1": np.zeros(2),
        "W2": np.array([[1e3, 0.0], [-1e3, 0.0], [0.0, 0.0]]),
        "b2": np.zeros(3),
    },
    np.array([1]),
)
"""z2 = (1000, -1000, 0), label 1: its probability underflows to 0, the loss is 2000."""
ONE = network(1, 3, 5, 2, seed=11)
"""A batch of one, non-square weights."""
WIDE = network(4, 2, 6, 3, seed=12)
"""Non-square weights, d < H, O < H."""
SQUARE = network(3, 3, 3, 3, seed=13)
"""d = H = O: a missing transpose has the right shape here, only the values are wrong."""


# -- talking to both sides ------------------------------------------------------------


def _values(ctx: Context, name: str, cases: Sequence[Call]) -> list[Any] | Failure:
    """The learner's return values for `cases` (one round trip), or the first failure."""
    try:
        outcomes = ctx.learner.call_many(name, cases)
    except LearnerError as error:
        raise Abort(error) from None
    values = []
    for case, outcome in zip(cases, outcomes, strict=True):
        if isinstance(outcome, LearnerError):
            if outcome.kind != "exception":
                raise Abort(outcome)
            return Failure(learner_failure(outcome, name), describe_call(name, *case))
        value, mutated = outcome
        if mutated:
            return Failure(
                f"{name} modified its input ({', '.join(mutated)}); it must not change "
                "its arguments",
                describe_call(name, *case),
            )
        values.append(value)
    return values


def _first(value: Any) -> Any:
    """The first of a returned pair (probs of forward, loss of loss_and_grads), else None."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value[0]
    return None


def _pick(grads: Any, keys: Sequence[str]) -> Any:
    """Some entries of a gradient dict (whatever came back, if not a dict)."""
    if isinstance(grads, dict):
        return {key: grads.get(key) for key in keys}
    return grads


# -- init_params ----------------------------------------------------------------------

SIZES = st.tuples(sides(1, 6), sides(1, 6), sides(1, 6), st.integers(0, 2**32 - 1))


def _describe_init(case: Sequence[int]) -> str:
    d, H, O, seed = case  # noqa: E741
    return f"init_params({d}, {H}, {O}, rng=np.random.default_rng({seed}))"


def _init_params_body(ctx: Context, cases: Sequence[tuple[int, int, int, int]]) -> Failure | None:
    outcome = both(ctx, "init_params", scenarios.init_params_many, [list(c) for c in cases])
    if isinstance(outcome, Failure):
        return Failure(outcome.message, _describe_init(cases[0]))
    expected, received = outcome
    for case, want, got in zip(cases, expected, received, strict=True):
        found = difference(want, got)
        if found:
            return Failure(
                f"{found}. He initialisation draws from the rng it is given, W1 first, then "
                "W2, each with rng.normal(0.0, np.sqrt(2 / fan_in), size=shape) where fan_in is "
                "the layer's number of inputs (d for W1, H for W2); both biases are zeros",
                _describe_init(case),
            )
    return None


def _init_params_hidden(rng: np.random.Generator) -> list[tuple[int, int, int, int]]:
    return [
        (*(int(n) for n in rng.integers(1, 9, size=3)), int(rng.integers(2**32))) for _ in range(6)
    ]


# -- forward --------------------------------------------------------------------------


def _forward_body(ctx: Context, nets: Sequence[Net]) -> Failure | None:
    cases = [((X, params), {}) for X, params, _ in nets]
    values = _values(ctx, "forward", cases)
    if isinstance(values, Failure):
        return values
    for net, case, value in zip(nets, cases, values, strict=True):
        probs = _first(value)
        if probs is None:
            return Failure(
                f"forward should return a pair (probs, cache), received {describe_type(value)}",
                describe_net(net),
            )
        expected = ctx.reference.call("forward", *case[0])[0]
        found = difference(expected, probs)
        if found:
            return Failure(
                f"the probabilities (first value returned) differ: {found}", describe_net(net)
            )
    return None


# -- backward -------------------------------------------------------------------------


def _backward_body(ctx: Context, nets: Sequence[Net]) -> Failure | None:
    outcome = both(ctx, "backward", scenarios.gradients_many, [list(n) for n in nets])
    if isinstance(outcome, Failure):
        return Failure(outcome.message, describe_net(nets[0]))
    expected, received = outcome
    for net, want, got in zip(nets, expected, received, strict=True):
        found = difference(want, got)
        if found:
            return Failure(
                f"backward(params, cache, labels), with the cache of your forward, is wrong: "
                f"{found}",
                describe_net(net),
            )
    return None


def _hidden_networks(rng: np.random.Generator) -> list[Net]:
    return [hidden_network(rng) for _ in range(6)]


# -- batch duplication: mean, not sum -------------------------------------------------

WHY_MEAN = (
    "The loss is the mean over the batch, so seeing every sample twice changes neither the "
    "loss nor its gradients, while a sum doubles them. Divide by N = X.shape[0] once, in "
    "delta2 = (probs - onehot) / N"
)
WHY_SHAPE = (
    "A gradient has the shape of its parameter whatever the batch size: sum the per-sample "
    "contributions over the batch (axis 0)"
)


def _duplication_failure(name: str, net: Net, right: Any, once: Any, again: Any) -> Failure | None:
    """None if `again` (on X stacked twice) is `right` (the true value on X), else why not."""
    if not difference(right, again):
        return None
    wrong = difference(right, once)
    if wrong:
        return Failure(
            f"{name} is not right on the batch itself yet ({wrong}), so it cannot be right on "
            "the batch stacked twice; fix that first",
            describe_net(net),
        )
    found = difference(once, again) or ""
    if name == "loss_and_grads":
        what = "another loss" if found.startswith("[0]") else "other gradients"
    else:
        what = "other gradients"
    return Failure(
        f"{name} on the batch stacked twice gives {what} than on the batch: "
        f"{found}. {WHY_SHAPE if 'shape' in found else WHY_MEAN}",
        describe_net(net),
    )


def _backward_duplication(ctx: Context, nets: Sequence[Net]) -> Failure | None:
    doubled = [twice(net) for net in nets]
    outcome = both(ctx, "backward", scenarios.gradients_many, [list(n) for n in [*nets, *doubled]])
    if isinstance(outcome, Failure):
        return Failure(outcome.message, describe_net(nets[0]))
    expected, received = outcome
    n = len(nets)
    for net, right, once, again in zip(nets, expected, received, received[n:], strict=False):
        failure = _duplication_failure("backward", net, right, once, again)
        if failure:
            return failure
    return None


def _loss_and_grads_duplication(ctx: Context, nets: Sequence[Net]) -> Failure | None:
    cases = [((params, X, labels), {}) for X, params, labels in [*nets, *map(twice, nets)]]
    values = _values(ctx, "loss_and_grads", cases)
    if isinstance(values, Failure):
        return values
    for net, case, once, again in zip(nets, cases, values, values[len(nets) :], strict=False):
        right = ctx.reference.call("loss_and_grads", *case[0])
        failure = _duplication_failure("loss_and_grads", net, right, once, again)
        if failure:
            return failure
    return None


# -- numerical_gradient ---------------------------------------------------------------

STEPS = st.sampled_from([None, 1e-5, 1e-3, 1e-2])


def _point(shape: tuple[int, ...], seed: int, scale: float) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-scale, scale, size=shape)


POINTS = st.builds(
    _point,
    st.lists(sides(1, 3), min_size=1, max_size=3).map(tuple),
    st.integers(0, 2**32 - 1),
    st.sampled_from([1.0, 2.0]),
)
NUMGRAD_CASES = st.tuples(st.sampled_from(sorted(scenarios.FUNCTIONS)), POINTS, STEPS)


def _describe_numgrad(case: Sequence[Any]) -> str:
    function, x, h = case
    step = "" if h is None else f", h={h:g}"
    return f"numerical_gradient(f, {show(x)}{step}) with f = the test function {function!r}"


def _numgrad_body(
    ctx: Context, cases: Sequence[tuple[str, np.ndarray, float | None]]
) -> Failure | None:
    outcome = both(
        ctx, "numerical_gradient", scenarios.numerical_gradient_many, [list(c) for c in cases]
    )
    if isinstance(outcome, Failure):
        return Failure(outcome.message, _describe_numgrad(cases[0]))
    expected, received = outcome
    for case, want, got in zip(cases, expected, received, strict=True):
        found = difference(want[0], _first(got))
        if found:
            return Failure(
                f"the gradient differs from central differences (f(x + h e_i) - f(x - h e_i)) / "
                f"(2h) with the h given: {found}",
                _describe_numgrad(case),
            )
    return None


# Values where x + h - 2h + h (and for 0.5, x + h - h) is not exactly x in float64.
ROUNDING = np.array([0.1, 0.7, 2.0 / 3.0, 1.1, -0.9, -1.3, 0.5])
RESTORE_CASES = (
    ("cubic", ROUNDING, None),
    ("wave", ROUNDING.reshape(7, 1), 1e-3),
    ("cubic", np.array([[0.1, 0.7, 1.1], [-0.9, 0.5, -1.3]]), None),
)


def _restores_body(
    ctx: Context, cases: Sequence[tuple[str, np.ndarray, float | None]]
) -> Failure | None:
    outcome = both(
        ctx, "numerical_gradient", scenarios.numerical_gradient_many, [list(c) for c in cases]
    )
    if isinstance(outcome, Failure):
        return Failure(outcome.message, _describe_numgrad(cases[0]))
    expected, received = outcome
    for case, got, want in zip(cases, received, expected, strict=True):
        x = case[1]
        grad, after = got if isinstance(got, (tuple, list)) and len(got) == 2 else (got, x)
        rough = difference(want[0], grad, rtol=1e-3, atol=1e-6)
        if rough:
            return Failure(
                "numerical_gradient must first compute a gradient (even a rough one) for this "
                f"check to mean anything: {rough}",
                _describe_numgrad(case),
            )
        if not isinstance(after, np.ndarray) or after.shape != x.shape:
            continue
        changed = np.argwhere(~(after == x))
        if len(changed):
            i = tuple(int(k) for k in changed[0])
            return Failure(
                f"after numerical_gradient returned, x{list(i)} held {float(after[i])!r} instead "
                f"of its original {float(x[i])!r} ({len(changed)} of {x.size} entries changed). "
                "Save the entry before perturbing it and assign the saved value back: adding h "
                "and subtracting it again is not always exact in floating point",
                _describe_numgrad(case),
            )
    return None


def _normwise(a: np.ndarray, b: np.ndarray) -> float:
    """max|a - b| / max(|a| + |b|), with a floor so that all-zero gradients compare absolutely."""
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), 1e-3))


def _gradcheck_body(ctx: Context, net: Net) -> Failure | None:
    X, params, labels = net
    outcome = both(ctx, "numerical_gradient", scenarios.gradient_check, X, params, labels)
    if isinstance(outcome, Failure):
        return outcome
    want, got = outcome
    analytic, numerical = got.get("analytic"), got.get("numerical")
    if not isinstance(analytic, dict) or not isinstance(numerical, dict):
        return Failure(
            "loss_and_grads should return a pair (loss, grads) with grads a dict shaped like "
            f"params; it returned {describe_type(analytic)} as grads"
        )
    wrong_loss = difference(want["loss"], got.get("loss"))
    if wrong_loss:
        return Failure(
            "the gradient check needs the right loss: loss_and_grads should return the mean "
            f"cross-entropy first, but {wrong_loss}"
        )
    for key in KEYS:
        a, n = analytic.get(key), numerical.get(key)
        if not isinstance(a, np.ndarray) or not isinstance(n, np.ndarray) or a.shape != n.shape:
            return Failure(
                f"for {key}, loss_and_grads gave {describe_type(a)} and numerical_gradient "
                f"{describe_type(n)}; both should have the shape of params[{key!r}], "
                f"{params[key].shape}"
            )
        error = _normwise(a, n)
        if not error <= GRADCHECK_TOL:
            true = want["analytic"][key]
            culprits = []
            if not _normwise(a, true) <= GRADCHECK_TOL:
                culprits.append("your backward pass (its gradient is not the true one)")
            if not _normwise(n, true) <= GRADCHECK_TOL:
                culprits.append(
                    "your numerical_gradient (central differences of the right loss are not "
                    "what it returned)"
                )
            blame = " and ".join(culprits) or "rounding: the two are close but not close enough"
            i = np.unravel_index(int(np.argmax(np.abs(a - n))), a.shape)
            return Failure(
                f"the gradient check fails for {key}: numerical_gradient of your loss and "
                f"your loss_and_grads differ by a relative {error:.2e} (at most "
                f"{GRADCHECK_TOL:g} expected); at index {tuple(int(k) for k in i)} numerical "
                f"{show(float(n[i]))}, analytic {show(float(a[i]))}. Compared with the "
                f"reference, the culprit is {blame}"
            )
    return None


def _numgrad_hidden(rng: np.random.Generator) -> list[tuple[str, np.ndarray, float | None]]:
    cases = []
    for _ in range(4):
        shape = tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(1, 3)))
        h = [None, 1e-4, 1e-2][int(rng.integers(3))]
        cases.append((str(rng.choice(sorted(scenarios.FUNCTIONS))), rng.normal(size=shape), h))
    return cases


# -- the table and the checks ---------------------------------------------------------

TABLE = [
    Fn(
        "loss_and_grads",
        st.builds(lambda net: ((net[1], net[0], net[2]), {}), networks()),
        lambda rng: (lambda net: ((net[1], net[0], net[2]), {}))(hidden_network(rng)),
        special=tuple(((p, X, y), {}) for X, p, y in (LARGE, ONE, WIDE, SQUARE, EXTREME)),
        special_title="logits of magnitude 1000, a batch of one, non-square and square weights",
        hidden_cases=6,
    ),
]

NETS = st.lists(networks(), min_size=1, max_size=BATCH)

CHECKS = [
    property_check(
        "init_params-matches-reference",
        "init_params draws He-initialised weights from the generator, as the reference does",
        ["init_params"],
        st.lists(SIZES, min_size=1, max_size=BATCH),
        _init_params_body,
        describe=lambda cases: _describe_init(cases[0]),
    ),
    hidden_check(
        "init_params-hidden",
        "init_params agrees with the reference on hidden sizes and seeds",
        ["init_params"],
        _init_params_hidden,
        _init_params_body,
    ),
    property_check(
        "forward-matches-reference",
        "forward gives the reference's probabilities",
        ["forward"],
        NETS,
        _forward_body,
        describe=_describe_first,
    ),
    cases_check(
        "forward-large-logits",
        "forward is finite and right for logits of magnitude 1000",
        ["forward"],
        lambda: [[LARGE]],
        _forward_body,
        describe=_describe_first,
    ),
    hidden_check(
        "forward-hidden",
        "forward agrees with the reference on hidden networks",
        ["forward"],
        _hidden_networks,
        _forward_body,
    ),
    property_check(
        "backward-matches-reference",
        "backward, fed your forward's cache, gives the reference's gradients",
        ["forward", "backward"],
        NETS,
        _backward_body,
        points=2.0,
        describe=_describe_first,
    ),
    cases_check(
        "backward-batch-of-one-and-non-square",
        "backward is right for a batch of one, non-square and square weights",
        ["forward", "backward"],
        lambda: [[ONE, WIDE, SQUARE]],
        _backward_body,
        describe=_describe_first,
    ),
    property_check(
        "backward-batch-duplication",
        "backward: duplicating the batch leaves every gradient unchanged",
        ["forward", "backward"],
        NETS,
        _backward_duplication,
        describe=_describe_first,
    ),
    hidden_check(
        "backward-hidden",
        "backward agrees with the reference on hidden networks",
        ["forward", "backward"],
        _hidden_networks,
        _backward_body,
    ),
    *checks_for(TABLE[0]),
    property_check(
        "loss_and_grads-batch-duplication",
        "loss_and_grads: duplicating the batch leaves the loss and the gradients unchanged",
        ["loss_and_grads"],
        NETS,
        _loss_and_grads_duplication,
        describe=_describe_first,
    ),
    property_check(
        "numerical_gradient-matches-reference",
        "numerical_gradient takes central differences with the given h",
        ["numerical_gradient"],
        st.lists(NUMGRAD_CASES, min_size=1, max_size=BATCH),
        _numgrad_body,
        describe=lambda cases: _describe_numgrad(cases[0]),
    ),
    cases_check(
        "numerical_gradient-restores-input",
        "numerical_gradient leaves x exactly as it found it",
        ["numerical_gradient"],
        lambda: [list(RESTORE_CASES)],
        _restores_body,
        describe=lambda cases: _describe_numgrad(cases[0]),
    ),
    property_check(
        "numerical_gradient-agrees-with-backprop",
        "gradient check: numerical_gradient of your loss agrees with your loss_and_grads",
        ["loss_and_grads", "numerical_gradient"],
        networks(),
        _gradcheck_body,
        describe=describe_net,
    ),
    hidden_check(
        "numerical_gradient-hidden",
        "numerical_gradient agrees with the reference on hidden functions and points",
        ["numerical_gradient"],
        _numgrad_hidden,
        _numgrad_body,
    ),
]


# -- probes: where each mutant and the reference disagree -------------------------------

PROBE = network(3, 2, 4, 3, seed=21)
"""N = 3, so a missing or extra 1/N shows; H differs from d and O."""


def _probs_probe(net: Net) -> Any:
    return lambda subject: _first(subject.call("forward", net[0], net[1]))


def _loss_probe(net: Net) -> Any:
    return lambda subject: _first(subject.call("loss_and_grads", net[1], net[0], net[2]))


def _grads_probe(net: Net, keys: Sequence[str]) -> Any:
    def probe(subject: Subject) -> Any:
        return _pick(subject.scenario(scenarios.gradients, *net), keys)

    return probe


def _numgrad_probe(subject: Subject) -> Any:
    return _first(subject.scenario(scenarios.numerical_gradient_of, "cubic", ROUNDING, None))


def _restored_probe(subject: Subject) -> Any:
    result = subject.scenario(scenarios.numerical_gradient_of, "cubic", ROUNDING, None)
    after = result[1] if isinstance(result, (tuple, list)) and len(result) == 2 else None
    return isinstance(after, np.ndarray) and bool(np.array_equal(after, ROUNDING))


def _init_probe(subject: Subject) -> Any:
    return _pick(subject.scenario(scenarios.init_params_seeded, 3, 5, 2, 7), ("W1",))


PROBES = {
    "softmax-overflow": _probs_probe(LARGE),
    "dense-weight-transposed": _probs_probe(SQUARE),
    "init-wrong-scale": _init_probe,
    "ce-grad-not-divided-by-n": _grads_probe(PROBE, ("W1", "W2")),
    "relu-backward-uses-activation": _grads_probe(PROBE, ("W1", "b1")),
    "backprop-missing-transpose": _grads_probe(SQUARE, ("W1", "W2")),
    "bias-grad-not-summed": _grads_probe(PROBE, ("b1", "b2")),
    "loss-sum-not-mean": _loss_probe(PROBE),
    "ce-log-of-softmax-unstable": _loss_probe(EXTREME),
    "numgrad-one-sided": _numgrad_probe,
    "numgrad-mutates-input": _restored_probe,
}

MUTANTS = mutants.load(
    Path(__file__).parents[1] / "exercises" / "backprop", SOLUTIONS / "backprop.py", PROBES
)

HINTS = (
    "Write forward first and keep everything backward needs in the cache (X, z1, a1, z2, "
    "probs). Then backward, following the docstring line by line, checking each shape: "
    "dW2 must be (O, H) like W2, dW1 (H, d) like W1, biases (units,).",
    "Mean, not sum: delta2 = (probs - onehot) / N, and nothing else divides by N again. "
    "The bias gradients sum delta over the batch (axis=0). The ReLU mask comes from z1: "
    "delta1 = (delta2 @ W2) * relu_grad(z1).",
    "numerical_gradient: for i in np.ndindex(x.shape): original = x[i]; x[i] = original + h; "
    "f_plus = f(x); x[i] = original - h; f_minus = f(x); x[i] = original; grad[i] = (f_plus - "
    "f_minus) / (2 * h). Then check your backward: the two should agree to about 1e-7.",
)

EXERCISE = Exercise(
    name="backprop",
    title="Backpropagation through a two-layer network",
    reference="reference.backprop",
    functions=("init_params", "forward", "backward", "loss_and_grads", "numerical_gradient"),
    checks=tuple(CHECKS),
    mutants=MUTANTS,
    hints=HINTS,
)
