"""The checks of `backprop`: the two-layer network's initialisation, passes and gradient check.

A row per learner function (the worker runs what needs a generator, a cache or a function:
`scenarios.py`) and three properties: the batch stacked twice leaves the loss and the gradients
unchanged (mean, not sum); `numerical_gradient` leaves x as it found it; the learner's own
gradient check (CS231n's) passes. Networks have non-zero parameters and no pre-activation within
1e-3 of ReLU's kink: central differences are exact to ~1e-9, no dead unit hides a wrong backward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.engine import (
    BATCH,
    Case,
    Context,
    Pick,
    Row,
    ScenarioRow,
    Subject,
    Wrong,
    cases_check,
    describe_type,
    difference,
    domain,
    exercise,
    property_check,
    show,
    stacked_twice,
)
from grader.exercises.backprop import scenarios

Net = tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]  # (X, params, labels)

GRADCHECK_TOL = 1e-6  # the largest normwise relative error of a gradient check


def network(N: int, d: int, H: int, K: int, seed: int) -> Net:
    """N samples, d inputs, H hidden units, K classes: normal weights and biases, no kink near 0."""
    rng = np.random.default_rng(seed)
    for _ in range(100):
        X = rng.normal(size=(N, d))
        W1, b1 = rng.normal(size=(H, d)), 0.5 * rng.normal(size=H)
        if np.min(np.abs(X @ W1.T + b1)) > 1e-3:
            break
    params = {"W1": W1, "b1": b1, "W2": rng.normal(size=(K, H)), "b2": 0.5 * rng.normal(size=K)}
    return X, params, rng.integers(0, K, size=N).astype(np.int64)


@domain
def net(pick: Pick) -> Net:
    """Networks of every small shape: N, d, H from 1, K from 2 classes."""
    N, d, H, K = pick.integers(1, 4), pick.integers(1, 5), pick.integers(1, 5), pick.integers(2, 4)
    return network(N, d, H, K, pick.seed())


@domain
def point(pick: Pick) -> tuple[str, np.ndarray, float | None]:
    """(test function, x, h) for numerical_gradient; h None leaves it at its default."""
    shape = tuple(pick.integers(1, 3) for _ in range(pick.integers(1, 3)))
    x = np.random.default_rng(pick.seed()).uniform(-1, 1, size=shape) * pick.choice([1.0, 2.0])
    return pick.choice(sorted(scenarios.FUNCTIONS)), x, pick.choice([None, 1e-5, 1e-3, 1e-2])


def describe_net(net: Sequence[Any]) -> str:
    """X, params (and labels) of a network."""
    names = ("X", "params", "labels")
    return ", ".join(f"{name} = {show(value)}" for name, value in zip(names, net, strict=False))


def describe_point(case: Sequence[Any]) -> str:
    function, x, h = case
    step = "" if h is None else f", h={h:g}"
    return f"numerical_gradient(f, {show(x)}{step}) with f = the test function {function!r}"


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
    {"W1": np.eye(2), "b1": np.zeros(2), "W2": np.array([[1e3, 0.0], [-1e3, 0.0], [0.0, 0.0]])}
    | {"b2": np.zeros(3)},
    np.array([1]),
)
"""z2 = (1000, -1000, 0), label 1: its probability underflows to 0, the loss is 2000."""
ONE = network(1, 3, 5, 2, seed=11)  # a batch of one, non-square weights
WIDE = network(4, 2, 6, 3, seed=12)  # non-square weights, d < H, O < H
SQUARE = network(3, 3, 3, 3, seed=13)  # d = H = O: a missing transpose has the right shape
PROBE = network(3, 2, 4, 3, seed=21)  # N = 3: a missing or extra 1/N shows; H differs from d, O
# Values where x + h - 2h + h (and for 0.5, x + h - h) is not exactly x in float64.
ROUNDING = np.array([0.1, 0.7, 2.0 / 3.0, 1.1, -0.9, -1.3, 0.5])
RESTORE_CASES = (
    ("cubic", ROUNDING, None),
    ("wave", ROUNDING.reshape(7, 1), 1e-3),
    ("cubic", np.array([[0.1, 0.7, 1.1], [-0.9, 0.5, -1.3]]), None),
)

# -- judges ---------------------------------------------------------------------------------

HE = (
    "He initialisation draws from the rng it is given, W1 first, then W2, each with "
    "rng.normal(0.0, np.sqrt(2 / fan_in), size=shape) where fan_in is the layer's number of "
    "inputs (d for W1, H for W2); both biases are zeros"
)
WHY_MEAN = (
    "The loss is the mean over the batch, so seeing every sample twice changes neither the "
    "loss nor its gradients, while a sum doubles them. Divide by N = X.shape[0] once, in "
    "delta2 = (probs - onehot) / N"
)
WHY_SHAPE = (
    "A gradient has the shape of its parameter whatever the batch size: sum the per-sample "
    "contributions over the batch (axis 0)"
)


def saying(lead: str = "", advice: str = "") -> Callable[[Any, Any], None]:
    """A judge: the values agree with the reference's, else `lead` + the difference + `advice`."""

    def judge(expected: Any, received: Any) -> None:
        found = difference(expected, received)
        if found:
            raise Wrong(f"{lead}{found}" + (f". {advice}" if advice else ""))

    return judge


def restores(ctx: Context, cases: Sequence[Any]) -> None:
    """x holds exactly its original values after numerical_gradient (which must work roughly)."""
    runs = ctx.both("numerical_gradient", scenarios.many, "numerical_gradient_of", cases)
    for (function, x, h), expected, received in zip(cases, *runs, strict=True):
        (grad, after), right = received, expected[0]
        rough = difference(right, grad, rtol=1e-3, atol=1e-6)
        if rough:
            raise Wrong(
                "numerical_gradient must first compute a gradient (even a rough one) for this "
                f"check to mean anything: {rough}",
                describe_point((function, x, h)),
            )
        changed = np.argwhere(after != x)
        if len(changed):
            i = tuple(int(k) for k in changed[0])
            raise Wrong(
                f"after numerical_gradient returned, x{list(i)} held {float(after[i])!r} "
                f"instead of its original {float(x[i])!r} ({len(changed)} of {x.size} entries "
                "changed). Save the entry before perturbing it and assign the saved value back: "
                "adding h and subtracting it again is not always exact in floating point",
                describe_point((function, x, h)),
            )


def duplication(name: str, scenario: str) -> Callable[[Context, Sequence[Net]], None]:
    """A body: `name` (run by `scenario`) on each batch stacked twice gives the true value."""

    def body(ctx: Context, nets: Sequence[Net]) -> None:
        doubled = [[stacked_twice(X), p, stacked_twice(y)] for X, p, y in nets]
        right, got = ctx.both(name, scenarios.many, scenario, [*map(list, nets), *doubled])
        for net, true, once, again in zip(nets, right, got, got[len(nets) :], strict=False):
            if not difference(true, again):
                continue
            wrong = difference(true, once)
            if wrong:
                raise Wrong(
                    f"{name} is not right on the batch itself yet ({wrong}), so it cannot be "
                    "right on the batch stacked twice; fix that first",
                    describe_net(net),
                )
            found = difference(once, again) or ""
            what = (
                "another loss" if scenario == "loss_and_grads" and found.startswith("[0]") else None
            )
            raise Wrong(
                f"{name} on the batch stacked twice gives {what or 'other gradients'} than on "
                f"the batch: {found}. {WHY_SHAPE if 'shape' in found else WHY_MEAN}",
                describe_net(net),
            )

    return body


# -- the gradient check (CS231n's gradient_check.py): one checker for any backward ----------


CULPRITS = (
    "your backward pass (its gradient is not the true one)",
    "your numerical_gradient (central differences of the right loss are not what it returned)",
)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max|a - b| / max(|a| + |b|), with a floor so that all-zero gradients compare absolutely."""
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), 1e-3))


def gradient_check(numerical: Any, analytic: Any, true: dict[str, np.ndarray]) -> None:
    """Each analytic gradient (dict by parameter) agrees with its numerical one within
    GRADCHECK_TOL; if not, the true gradients say which of the two is to blame."""
    for key, right in true.items():
        a, n = analytic.get(key), numerical.get(key)
        if getattr(a, "shape", None) != right.shape or getattr(n, "shape", None) != right.shape:
            raise Wrong(
                f"for {key}, loss_and_grads gave {describe_type(a)} and numerical_gradient "
                f"{describe_type(n)}; both should have the shape of params[{key!r}], "
                f"{right.shape}"
            )
        error = relative_error(a, n)
        if error <= GRADCHECK_TOL:
            continue
        blame = " and ".join(
            who
            for who, g in zip(CULPRITS, (a, n), strict=True)
            if not relative_error(g, right) <= GRADCHECK_TOL
        )
        i = tuple(int(k) for k in np.unravel_index(int(np.argmax(np.abs(a - n))), a.shape))
        raise Wrong(
            f"the gradient check fails for {key}: numerical_gradient of your loss and your "
            f"loss_and_grads differ by a relative {error:.2e} (at most {GRADCHECK_TOL:g} "
            f"expected); at index {i} numerical {show(float(n[i]))}, analytic "
            f"{show(float(a[i]))}. Compared with the reference, the culprit is "
            f"{blame or 'rounding: the two are close but not close enough'}"
        )


def gradcheck(ctx: Context, net: Net) -> None:
    """The learner's own gradient check, on their loss_and_grads and numerical_gradient."""
    want, got = ctx.both("numerical_gradient", scenarios.gradient_check, *net)
    if not isinstance(got["analytic"], dict):
        raise Wrong(
            "loss_and_grads should return a pair (loss, grads) with grads a dict shaped like "
            f"params; it returned {describe_type(got['analytic'])} as grads"
        )
    wrong_loss = difference(want["loss"], got["loss"])
    if wrong_loss:
        raise Wrong(
            "the gradient check needs the right loss: loss_and_grads should return the mean "
            f"cross-entropy first, but {wrong_loss}"
        )
    gradient_check(got["numerical"], got["analytic"], want["analytic"])


# -- the checks -------------------------------------------------------------------------------

NETS = st.lists(net.strategy, min_size=1, max_size=BATCH)
BACKWARD = ScenarioRow(
    "backward-matches-reference",
    "backward",
    scenarios.gradients,
    net,
    judge=saying("backward(params, cache, labels), with the cache of your forward, is wrong: "),
    special=[Case(ONE), Case(WIDE), Case(SQUARE)],
    hidden_cases=6,
    describe=describe_net,
    many=scenarios.many,
    ids={"special": "backward-batch-of-one-and-non-square", "hidden": "backward-hidden"},
    uses=("forward", "backward"),
)

CHECKS = [
    ScenarioRow(
        "init_params-matches-reference",
        "init_params",
        scenarios.init_params_seeded,
        domain(lambda pick: (*(pick.integers(1, 6) for _ in "dHO"), pick.seed())),
        judge=saying(advice=HE),
        hidden_cases=6,
        describe=lambda c: (
            f"init_params({c[0]}, {c[1]}, {c[2]}, rng=np.random.default_rng({c[3]}))"
        ),
        ids={"hidden": "init_params-hidden"},
        many=scenarios.many,
    ),
    ScenarioRow(
        "forward-matches-reference",
        "forward",
        scenarios.probabilities,
        net.map(lambda n: n[:2]),
        judge=saying("the probabilities (first value returned) differ: "),
        special=[Case(LARGE[:2])],
        hidden_cases=6,
        describe=describe_net,
        ids={"special": "forward-large-logits", "hidden": "forward-hidden"},
        many=scenarios.many,
    ),
    [dataclasses.replace(c, points=2.0 if c.id == BACKWARD.id else 1.0) for c in BACKWARD.checks()],
    property_check(
        "backward-batch-duplication",
        ["forward", "backward"],
        NETS,
        duplication("backward", "gradients"),
        describe=lambda nets: describe_net(nets[0]),
    ),
    Row(
        "loss_and_grads",
        net.map(lambda n: ((n[1], n[0], n[2]), {})),
        special=[Case((p, X, y)) for X, p, y in (LARGE, ONE, WIDE, SQUARE, EXTREME)],
        hidden_cases=6,
    ),
    property_check(
        "loss_and_grads-batch-duplication",
        ["loss_and_grads"],
        NETS,
        duplication("loss_and_grads", "loss_and_grads"),
        describe=lambda nets: describe_net(nets[0]),
    ),
    ScenarioRow(
        "numerical_gradient-matches-reference",
        "numerical_gradient",
        scenarios.numerical_gradient_at,
        point,
        judge=saying(
            "the gradient differs from central differences (f(x + h e_i) - f(x - h e_i)) / (2h) "
            "with the h given: "
        ),
        describe=describe_point,
        ids={"hidden": "numerical_gradient-hidden"},
        many=scenarios.many,
    ),
    cases_check(
        "numerical_gradient-restores-input",
        ["numerical_gradient"],
        lambda: [RESTORE_CASES],
        restores,
        describe=lambda cases: describe_point(cases[0]),
    ),
    property_check(
        "numerical_gradient-agrees-with-backprop",
        ["loss_and_grads", "numerical_gradient"],
        net.strategy,
        gradcheck,
        describe=describe_net,
    ),
]

# -- probes: where each family of mistakes (mutants.toml) shows -------------------------------


def probe(scenario: Callable[..., Any], *args: Any, keys: Sequence[str] = ()) -> Any:
    """A scenario's value on a subject (only `keys` of it, when it returns a dict)."""

    def run(subject: Subject) -> Any:
        value = subject.scenario(scenario, *args)
        return {k: value.get(k) for k in keys} if keys and isinstance(value, dict) else value

    return run


EXERCISE = exercise(
    title="Backpropagation through a two-layer network",
    checks=CHECKS,
    probes={
        "softmax-overflow": probe(scenarios.probabilities, *LARGE[:2]),
        "dense-weight-transposed": probe(scenarios.probabilities, *SQUARE[:2]),
        "init-wrong-scale": probe(scenarios.init_params_seeded, 3, 5, 2, 7, keys=["W1"]),
        "ce-grad-not-divided-by-n": probe(scenarios.gradients, *PROBE, keys=["W1", "W2"]),
        "relu-backward-uses-activation": probe(scenarios.gradients, *PROBE, keys=["W1", "b1"]),
        "backprop-missing-transpose": probe(scenarios.gradients, *SQUARE, keys=["W1", "W2"]),
        "bias-grad-not-summed": probe(scenarios.gradients, *PROBE, keys=["b1", "b2"]),
        "loss-sum-not-mean": probe(scenarios.loss_of, *PROBE),
        "ce-log-of-softmax-unstable": probe(scenarios.loss_of, *EXTREME),
        "numgrad-one-sided": probe(scenarios.numerical_gradient_at, "cubic", ROUNDING, None),
        "numgrad-mutates-input": probe(scenarios.restores_x, "cubic", ROUNDING, None),
    },
)
