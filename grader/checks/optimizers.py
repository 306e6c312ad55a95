"""Checks for `optimizers`: SGD (momentum, weight decay), RMSProp, Adagrad, Adam, step_lr.

An optimizer is an object, so it never leaves the worker: the scenario
`grader.scenarios.optimizers.optimizer_trajectory` builds it there, steps it
on a convex quadratic ``f(p) = sum c/2 (p - t)^2`` whose curvature spans
1e-3 .. 10 (so that where ``eps`` sits and Adam's bias correction both show),
and sends back the path, whether each update was in place, and whether the
gradients were left alone. The reference runs the same scenario in the grader.

Per class:

- ``<cls>-decreases-quadratic`` (property): the caller's own arrays move
  downhill, updated in place, the gradients untouched;
- ``<cls>-keeps-per-key-state`` (property): keys passed to ``step`` on a
  random schedule, two of them of the same shape with different gradients,
  follow the same path as each key stepped alone by an optimizer of its own
  (state per key, Adam's step count per key) — a metamorphic property, so
  its failure says exactly that;
- ``<cls>-matches-torch-semantics`` (visible trajectory with unusual
  hyperparameters: betas (0.8, 0.95), eps 1e-3, momentum, weight decay),
  with the objective per step for both sides as a plotted series;
- ``<cls>-trajectory-hidden``: runs drawn from the course's secret.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.checks.base import (
    Check,
    Context,
    Exercise,
    Failure,
    Fn,
    Mutant,
    Subject,
    Verdict,
    checks_for,
    first_batched_problem,
    hidden_check,
    learner_scenario,
    property_check,
    scenario_on,
)
from grader.checks.compare import difference
from grader.checks.strategies import finite_floats, seeds
from grader.result import Series
from grader.scenarios.optimizers import many, optimizer_trajectory, per_key_state

CLASSES = ("SGD", "RMSProp", "Adagrad", "Adam")
SLUG = {"SGD": "sgd", "RMSProp": "rmsprop", "Adagrad": "adagrad", "Adam": "adam"}
RTOL, ATOL = 1e-6, 1e-10

Problem = tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]
"""(start, curvature, target) of the quadratic, one array per parameter key."""

# W1 and W2 share a shape but get different gradients: shared state shows without crashing.
SHAPES = {"W1": (2, 3), "W2": (2, 3), "b": (3,)}
VISIBLE_SHAPES = {"W1": (3, 4), "W2": (3, 4), "b": (5,)}


def make_problem(seed: int, shapes: dict[str, tuple[int, ...]] = SHAPES) -> Problem:
    """A quadratic per key: log-uniform curvature in [1e-3, 10], optimum and start ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    curvature = {
        k: np.exp(rng.uniform(np.log(1e-3), np.log(10.0), size=s)) for k, s in shapes.items()
    }
    target = {k: rng.normal(size=s) for k, s in shapes.items()}
    start = {k: target[k] + rng.normal(size=s) for k, s in shapes.items()}
    return start, curvature, target


def objective(problem: Problem, params: dict[str, Any], weight_decay: float = 0.0) -> float:
    """``sum c/2 (p - t)^2`` (+ ``wd/2 |p|^2``, what weight decay minimises) over every key."""
    _, curvature, target = problem
    total = 0.0
    with np.errstate(all="ignore"):
        for k in curvature:
            p = np.asarray(params[k], dtype=np.float64)
            total += float(np.sum(curvature[k] / 2.0 * (p - target[k]) ** 2))
            if weight_decay:
                total += float(weight_decay / 2.0 * np.sum(p**2))
    return total


def objective_series(problem: Problem, run: Any) -> list[float]:
    """f at the start and after every step of a run (empty if the run is not one)."""
    try:
        values = [objective(problem, problem[0])]
        path = run["path"]
        steps = len(next(iter(path.values())))
        values += [objective(problem, at(path, t)) for t in range(steps)]
    except (TypeError, KeyError, ValueError, IndexError):
        return []
    return finite_floats(values)


def show_kwargs(name: str, kwargs: dict[str, Any]) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def learner_run(ctx: Context, name: str, *args: Any) -> Any:
    """The learner's `optimizer_trajectory` for class `name`, or a Failure saying what its code raised."""
    return learner_scenario(ctx, name, optimizer_trajectory, name, *args)


def at(path: dict[str, np.ndarray], t: int) -> dict[str, np.ndarray]:
    """The parameters after step `t + 1` of a path (per key, values after every step)."""
    return {k: values[t] for k, values in path.items()}


def path_difference(expected: dict[str, Any], received: dict[str, Any]) -> str | None:
    """The first step after which the learner's parameters differ from the reference's."""
    want, got = expected["path"], received["path"]
    if difference(want, got, RTOL, ATOL) is None:
        return None  # the whole path at once; step by step only to say where it goes wrong
    steps = len(next(iter(want.values())))
    for t in range(steps):
        found = difference(at(want, t), at(got, t), RTOL, ATOL, "params")
        if found:
            return f"after step {t + 1} of {steps}, {found}"
    return None


def run_problem(name: str, run: Any) -> str | None:
    """What is wrong with a learner's run, apart from its values (None if nothing)."""
    if isinstance(run, Failure):
        return run
    if False in run["in_place"]:
        t = run["in_place"].index(False)
        return (
            f"{name}.step did not update the parameter arrays in place (from step {t + 1} on, "
            "params[key] is a new array): the caller's arrays, a model's weights, never change. "
            "Update each array itself, p -= ..., instead of assigning params[key] = ..."
        )
    if not run["grads_unchanged"]:
        return f"{name}.step modified the gradient arrays it was given; it must only read grads"
    return None


# -- properties ---------------------------------------------------------------------

KWARGS_DECREASE = {
    "SGD": st.fixed_dictionaries(
        {
            "lr": st.sampled_from([0.01, 0.03, 0.08]),
            "momentum": st.sampled_from([0.0, 0.5, 0.9]),
            "weight_decay": st.sampled_from([0.0, 0.01, 0.1]),
        }
    ),
    "RMSProp": st.fixed_dictionaries(
        {
            "lr": st.sampled_from([1e-3, 3e-3, 0.01]),
            "alpha": st.sampled_from([0.9, 0.99]),
            "eps": st.sampled_from([1e-8, 1e-3]),
        }
    ),
    "Adagrad": st.fixed_dictionaries(
        {"lr": st.sampled_from([0.01, 0.05, 0.1]), "eps": st.sampled_from([1e-10, 1e-3])}
    ),
    "Adam": st.fixed_dictionaries(
        {
            "lr": st.sampled_from([0.003, 0.01, 0.03]),
            "betas": st.sampled_from([(0.9, 0.999), (0.8, 0.95), (0.5, 0.9)]),
            "eps": st.sampled_from([1e-8, 1e-3]),
            "weight_decay": st.sampled_from([0.0, 0.05]),
        }
    ),
}

KWARGS_STATEFUL = {
    "SGD": st.fixed_dictionaries(
        {
            "lr": st.sampled_from([0.02, 0.05]),
            "momentum": st.sampled_from([0.5, 0.9]),
            "weight_decay": st.sampled_from([0.0, 0.1]),
        }
    ),
    "RMSProp": KWARGS_DECREASE["RMSProp"],
    "Adagrad": KWARGS_DECREASE["Adagrad"],
    "Adam": KWARGS_DECREASE["Adam"],
}

SUBSETS = [["W1", "W2"], ["W1", "W2", "b"], ["W2", "b"], ["W1"], ["b"], ["W1", "b"]]


def decrease_check(name: str) -> Check:
    """The caller's arrays move downhill on a convex quadratic, in place, grads untouched."""

    def body(ctx: Context, example: tuple[dict[str, Any], int, int]) -> str | None:
        kwargs, seed, steps = example
        problem = make_problem(seed)
        run = learner_run(ctx, name, kwargs, *problem, steps)
        found = run_problem(name, run)
        if found:
            return found
        wd = float(kwargs.get("weight_decay", 0.0))
        before = objective(problem, problem[0], wd)
        after = objective(problem, at(run["path"], steps - 1), wd)
        if not after < before:
            return (
                f"{name} did not decrease a convex quadratic: the objective went from "
                f"{before:.6g} to {after:.6g} in {steps} steps. Check the sign of the update "
                "(p -= lr * ..., downhill) and the scale of the step"
            )
        return None

    def describe(example: tuple[dict[str, Any], int, int]) -> str:
        kwargs, seed, steps = example
        return f"{show_kwargs(name, kwargs)}, {steps} steps from a random start (seed {seed})"

    return property_check(
        f"{SLUG[name]}-decreases-quadratic",
        f"{name} decreases a convex quadratic, updating the caller's arrays in place",
        [name],
        st.tuples(KWARGS_DECREASE[name], seeds(), st.integers(5, 15)),
        body,
        describe=describe,
    )


def per_key_check(name: str) -> Check:
    """Stepping the keys together equals stepping each key with an optimizer of its own."""

    def body(ctx: Context, example: tuple[dict[str, Any], int, list[list[str]]]) -> str | None:
        kwargs, seed, schedule = example
        run = learner_scenario(
            ctx, name, per_key_state, name, kwargs, *make_problem(seed), schedule
        )
        if isinstance(run, Failure):
            return run
        if difference(run["alone"], run["joint"], RTOL, ATOL) is None:
            return None
        for t in range(len(schedule)):
            for key, alone in run["alone"].items():
                found = difference(alone[t], run["joint"][key][t], RTOL, ATOL)
                if found:
                    return (
                        f"stepping the keys together is not the same as stepping each key with "
                        f"an optimizer of its own: after step {t + 1}, params[{key!r}] differs "
                        f"({found}; 'expected' is the value when {key!r} is stepped alone). "
                        "The other keys' gradients, or their being skipped, leak into this "
                        "key's update: the state (velocity, averages, Adam's step count t) must "
                        "be kept per key, in dicts keyed by the parameter's name, and updated "
                        "only for the keys passed to this step"
                    )
        return None

    def describe(example: tuple[dict[str, Any], int, list[list[str]]]) -> str:
        kwargs, seed, schedule = example
        return (
            f"{show_kwargs(name, kwargs)} on keys W1 (2, 3), W2 (2, 3), b (3,) with different "
            f"gradients; keys passed to each step: {schedule} (seed {seed})"
        )

    return property_check(
        f"{SLUG[name]}-keeps-per-key-state",
        f"{name} keeps its state separately for each parameter key",
        [name],
        st.tuples(
            KWARGS_STATEFUL[name],
            seeds(),
            st.lists(st.sampled_from(SUBSETS), min_size=3, max_size=8).filter(
                lambda schedule: any(len(keys) < 3 for keys in schedule)
            ),
        ),
        body,
        describe=describe,
    )


# -- visible trajectories, plotted ------------------------------------------------------

VISIBLE_PROBLEM = make_problem(2024, VISIBLE_SHAPES)
VISIBLE_STEPS = 25
VISIBLE = {
    "SGD": ("sgd-momentum", {"lr": 0.03, "momentum": 0.8, "weight_decay": 0.05}),
    "RMSProp": ("rmsprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-3}),
    "Adagrad": ("adagrad", {"lr": 0.1, "eps": 1e-3}),
    "Adam": ("adam", {"lr": 0.01, "betas": (0.8, 0.95), "eps": 1e-3, "weight_decay": 0.1}),
}


def trajectory_check(name: str) -> Check:
    """A whole visible trajectory against the reference, with both objectives as a series."""
    slug, kwargs = VISIBLE[name]
    args = (name, kwargs, *VISIBLE_PROBLEM, VISIBLE_STEPS)
    where = (
        f"{show_kwargs(name, kwargs)}, {VISIBLE_STEPS} steps on f(p) = sum c/2 (p - t)^2 "
        "over keys W1 (3, 4), W2 (3, 4), b (5,), curvature c from 1e-3 to 10"
    )

    def run(ctx: Context) -> Verdict:
        expected = ctx.reference.scenario(optimizer_trajectory, *args)
        received = learner_run(ctx, *args)
        series = [
            Series(
                f"{name}: objective f(p) after each step",
                learner=objective_series(VISIBLE_PROBLEM, received),
                reference=objective_series(VISIBLE_PROBLEM, expected),
            )
        ]
        if isinstance(received, Failure):
            return Verdict(False, received.message, where, series)
        found = path_difference(expected, received)
        if found:
            return Verdict(
                False,
                f"{name} does not follow torch.optim.{TORCH_NAME[name]}: {found}",
                where,
                series,
            )
        return Verdict(True, series=series)

    return Check(
        f"{slug}-matches-torch-semantics",
        "property",
        f"{name} follows torch.optim's trajectory with unusual hyperparameters",
        (name,),
        run,
    )


TORCH_NAME = {"SGD": "SGD", "RMSProp": "RMSprop", "Adagrad": "Adagrad", "Adam": "Adam"}


# -- hidden trajectories ---------------------------------------------------------------


def _hidden_kwargs(name: str, rng: np.random.Generator) -> dict[str, Any]:
    pick = lambda values: values[int(rng.integers(len(values)))]  # noqa: E731
    if name == "SGD":
        return {
            "lr": pick([0.01, 0.04, 0.07]),
            "momentum": pick([0.0, 0.3, 0.9]),
            "weight_decay": pick([0.0, 0.02, 0.2]),
        }
    if rng.random() < 0.2:
        return {}  # the defaults
    if name == "RMSProp":
        return {"lr": pick([0.005, 0.02]), "alpha": pick([0.8, 0.95]), "eps": pick([1e-6, 1e-2])}
    if name == "Adagrad":
        return {"lr": pick([0.03, 0.2]), "eps": pick([1e-8, 1e-2])}
    return {
        "lr": pick([0.02, 0.05]),
        "betas": pick([(0.7, 0.9), (0.85, 0.99)]),
        "eps": pick([1e-6, 1e-2]),
        "weight_decay": pick([0.0, 0.03]),
    }


def hidden_runs(name: str) -> Any:
    def cases(rng: np.random.Generator) -> list[list[Any]]:
        runs = []
        for i in range(4):
            shapes = {
                "W1": (int(rng.integers(1, 4)), int(rng.integers(1, 5))),
                "b1": (int(rng.integers(1, 6)),),
            }
            shapes["W2"] = shapes["W1"]
            problem = make_problem(int(rng.integers(2**32)), shapes)
            steps = int(rng.integers(5, 21))
            schedule = None
            if i == 3:
                keys = list(shapes)
                schedule = [[k for k in keys if rng.random() < 0.7] or keys for _ in range(steps)]
            runs.append([name, _hidden_kwargs(name, rng), *problem, steps, schedule])
        return runs

    return cases


def hidden_trajectory_check(name: str) -> Check:
    def body(ctx: Context, cases: list[list[Any]]) -> str | Failure | None:
        return first_batched_problem(
            ctx,
            name,
            many,
            "optimizer_trajectory",
            cases,
            lambda want, got: run_problem(name, got) or path_difference(want, got),
        )

    return hidden_check(
        f"{SLUG[name]}-trajectory-hidden",
        f"{name} follows the reference on hidden problems and hyperparameters",
        [name],
        hidden_runs(name),
        body,
    )


# -- step_lr ---------------------------------------------------------------------------


def _step_lr_hidden(rng: np.random.Generator) -> tuple[tuple[float, int, int], dict[str, float]]:
    args = (
        float(rng.choice([0.1, 0.01, 2.0])),
        int(rng.integers(0, 100)),
        int(rng.integers(1, 15)),
    )
    return args, ({} if rng.random() < 0.3 else {"gamma": float(rng.choice([0.5, 0.3, 0.95]))})


STEP_LR = Fn(
    "step_lr",
    st.tuples(
        st.tuples(st.sampled_from([0.1, 1.0, 3e-4, 0.5]), st.integers(0, 60), st.integers(1, 12)),
        st.one_of(st.just({}), st.fixed_dictionaries({"gamma": st.sampled_from([0.5, 0.9, 0.25])})),
    ),
    _step_lr_hidden,
    special=(
        ((0.1, 0, 3), {}),
        ((0.1, 2, 3), {}),
        ((0.1, 3, 3), {}),
        ((0.1, 7, 3), {}),
        ((1.0, 20, 10), {"gamma": 0.5}),
    ),
    special_title="the epochs where the rate drops (epoch = k * step_size)",
)


# -- mutants: each is how a learner might get one optimizer wrong ----------------------


class SGDVelocityNotKept:
    """Momentum whose velocity starts afresh at every call of step."""

    def __init__(self, lr, momentum=0.0, weight_decay=0.0):
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            velocity = np.zeros_like(p)
            velocity = self.momentum * velocity + g
            p -= self.lr * velocity


class SGDMomentumLrTwice:
    """The velocity accumulates lr * g, and the update multiplies by lr again."""

    def __init__(self, lr, momentum=0.0, weight_decay=0.0):
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = {}

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            if self.momentum != 0.0:
                v = self.velocity.get(key, np.zeros_like(p))
                v = self.momentum * v + self.lr * g
                self.velocity[key] = v
                p -= self.lr * v
            else:
                p -= self.lr * g


class SGDMomentumWrongSign:
    """The classic form v = mu v - lr g, but then p -= v: uphill."""

    def __init__(self, lr, momentum=0.0, weight_decay=0.0):
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = {}

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            if self.momentum != 0.0:
                v = self.velocity.get(key, np.zeros_like(p))
                v = self.momentum * v - self.lr * g
                self.velocity[key] = v
                p -= v
            else:
                p -= self.lr * g


class SGDNotInPlace:
    """Rebinds params[key] to a new array instead of updating the caller's array."""

    def __init__(self, lr, momentum=0.0, weight_decay=0.0):
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = {}

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            if self.momentum != 0.0:
                if key in self.velocity:
                    g = self.momentum * self.velocity[key] + g
                self.velocity[key] = g
            params[key] = p - self.lr * g


class AdagradDecayingAverage:
    """Adagrad that keeps a decaying average of g^2 (that is RMSProp), not the sum."""

    def __init__(self, lr=0.01, eps=1e-10):
        self.lr = lr
        self.eps = eps
        self.sum_sq = {}

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            G = 0.99 * self.sum_sq.get(key, np.zeros_like(p)) + 0.01 * g**2
            self.sum_sq[key] = G
            p -= self.lr * g / (np.sqrt(G) + self.eps)


class AdamNoBiasCorrection:
    """Adam without dividing the moments by 1 - beta^t."""

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = {}
        self.v = {}

    def step(self, params, grads):
        beta1, beta2 = self.betas
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            m = beta1 * self.m.get(key, np.zeros_like(p)) + (1 - beta1) * g
            v = beta2 * self.v.get(key, np.zeros_like(p)) + (1 - beta2) * g**2
            self.m[key], self.v[key] = m, v
            p -= self.lr * m / (np.sqrt(v) + self.eps)


class AdamEpsInsideSqrt:
    """Adam with sqrt(v_hat + eps) in the denominator instead of sqrt(v_hat) + eps."""

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = {}
        self.v = {}
        self.t = {}

    def step(self, params, grads):
        beta1, beta2 = self.betas
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            t = self.t.get(key, 0) + 1
            m = beta1 * self.m.get(key, np.zeros_like(p)) + (1 - beta1) * g
            v = beta2 * self.v.get(key, np.zeros_like(p)) + (1 - beta2) * g**2
            self.t[key], self.m[key], self.v[key] = t, m, v
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            p -= self.lr * m_hat / np.sqrt(v_hat + self.eps)


class AdamSharedState:
    """Adam with one m, one v and one step count for all the parameters."""

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = 0.0
        self.v = 0.0
        self.t = 0

    def step(self, params, grads):
        beta1, beta2 = self.betas
        self.t += 1
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            self.m = beta1 * self.m + (1 - beta1) * g
            self.v = beta2 * self.v + (1 - beta2) * g**2
            m_hat = self.m / (1 - beta1**self.t)
            v_hat = self.v / (1 - beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class RMSPropEpsInsideSqrt:
    """RMSProp with sqrt(v + eps) in the denominator instead of sqrt(v) + eps."""

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8):
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.square_avg = {}

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            v = self.alpha * self.square_avg.get(key, np.zeros_like(p)) + (1 - self.alpha) * g**2
            self.square_avg[key] = v
            p -= self.lr * g / np.sqrt(v + self.eps)


class RMSPropSharedState:
    """RMSProp with one running average of g^2 for all the parameters."""

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8):
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.square_avg = 0.0

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            self.square_avg = self.alpha * self.square_avg + (1 - self.alpha) * g**2
            p -= self.lr * g / (np.sqrt(self.square_avg) + self.eps)


class AdagradEpsInsideSqrt:
    """Adagrad with sqrt(G + eps) in the denominator instead of sqrt(G) + eps."""

    def __init__(self, lr=0.01, eps=1e-10):
        self.lr = lr
        self.eps = eps
        self.sum_sq = {}

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            G = self.sum_sq.get(key, np.zeros_like(p)) + g**2
            self.sum_sq[key] = G
            p -= self.lr * g / np.sqrt(G + self.eps)


class AdamNotInPlace:
    """Adam that rebinds params[key] to a new array instead of updating the caller's array."""

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = {}
        self.v = {}
        self.t = {}

    def step(self, params, grads):
        beta1, beta2 = self.betas
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            t = self.t.get(key, 0) + 1
            m = beta1 * self.m.get(key, np.zeros_like(p)) + (1 - beta1) * g
            v = beta2 * self.v.get(key, np.zeros_like(p)) + (1 - beta2) * g**2
            self.t[key], self.m[key], self.v[key] = t, m, v
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            params[key] = p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


PROBE_PROBLEM = make_problem(7)
PROBE_SAME_SHAPE = tuple({k: part[k] for k in ("W1", "W2")} for part in make_problem(8))
SGD_PROBE = {"lr": 0.05, "momentum": 0.9}
ADAM_PROBE = {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-3}


def path_probe(
    name: str, kwargs: dict[str, Any], problem: Any = PROBE_PROBLEM, steps: int = 4
) -> Any:
    """A probe: the values of a short run (the path only, whatever the in-place behaviour)."""

    def probe(subject: Subject) -> Any:
        return scenario_on(subject, name, optimizer_trajectory, name, kwargs, *problem, steps)[
            "path"
        ]

    return probe


def in_place_probe(name: str, kwargs: dict[str, Any]) -> Any:
    """A probe: whether each step of a short run updated the caller's arrays in place."""

    def probe(subject: Subject) -> Any:
        run = scenario_on(subject, name, optimizer_trajectory, name, kwargs, *PROBE_PROBLEM, 3)
        return run["in_place"]

    return probe


NOT_IN_PLACE = (
    "{name}.step assigns params[key] = new_array: the dict now holds new arrays but the "
    "caller's arrays (a model's weights) never change. Update each array in place: "
    "p -= lr * update."
)
EPS_INSIDE = (
    "{name}'s eps is inside the square root: sqrt({s} + eps). torch adds it after the root, "
    "sqrt({s}) + eps; with eps = 1e-3 and small gradients the two differ a lot."
)
SHARED = (
    "{name}'s state seems shared by all the parameters: each key's update mixes in the other "
    "keys' gradients. Keep {state} per key, in dicts keyed by the parameter's name."
)
RMSPROP_PROBE = {"lr": 0.05, "alpha": 0.9, "eps": 1e-3}


MUTANTS = (
    Mutant(
        "momentum-not-persisted",
        "SGD",
        SGDVelocityNotKept,
        path_probe("SGD", SGD_PROBE),
        "SGD's velocity seems to start again from zero at every call of step, so momentum "
        "never builds up and the update is plain SGD. Store the velocity in a dict on the "
        "optimizer (self.velocity[key]), created in __init__, read and updated at each step.",
    ),
    Mutant(
        "momentum-sign",
        "SGD",
        SGDMomentumLrTwice,
        path_probe("SGD", SGD_PROBE),
        "SGD with momentum multiplies by lr twice: once inside the velocity (v = mu v + lr g) "
        "and again in the update (p -= lr v). torch keeps lr out of the velocity: "
        "v = mu v + g, then p -= lr v.",
    ),
    Mutant(
        "momentum-sign",
        "SGD",
        SGDMomentumWrongSign,
        path_probe("SGD", SGD_PROBE),
        "SGD with momentum moves uphill: the velocity is built as v = mu v - lr g (it already "
        "points downhill) and then subtracted, p -= v. Either add it (p += v) or use torch's "
        "form v = mu v + g, p -= lr v.",
    ),
    Mutant(
        "adam-no-bias-correction",
        "Adam",
        AdamNoBiasCorrection,
        path_probe("Adam", ADAM_PROBE),
        "Adam's moments are not bias-corrected. m and v start at zero, so early on they are "
        "too small by the factors 1 - beta1^t and 1 - beta2^t; divide them by those factors "
        "(t = 1, 2, ... per key) before the update. Without it the first steps are about "
        "3 lr instead of lr.",
    ),
    Mutant(
        "eps-inside-sqrt",
        "Adam",
        AdamEpsInsideSqrt,
        path_probe("Adam", ADAM_PROBE),
        EPS_INSIDE.format(name="Adam", s="v_hat"),
    ),
    Mutant(
        "eps-inside-sqrt",
        "RMSProp",
        RMSPropEpsInsideSqrt,
        path_probe("RMSProp", RMSPROP_PROBE),
        EPS_INSIDE.format(name="RMSProp", s="v"),
    ),
    Mutant(
        "eps-inside-sqrt",
        "Adagrad",
        AdagradEpsInsideSqrt,
        path_probe("Adagrad", {"lr": 0.1, "eps": 1e-3}),
        EPS_INSIDE.format(name="Adagrad", s="G"),
    ),
    Mutant(
        "adagrad-decaying-average",
        "Adagrad",
        AdagradDecayingAverage,
        path_probe("Adagrad", {"lr": 0.1, "eps": 1e-3}),
        "Adagrad keeps a decaying average of the squared gradients; that is RMSProp. Adagrad "
        "accumulates their plain sum, G = G + g**2, so its steps keep shrinking.",
    ),
    Mutant(
        "optimizer-state-shared",
        "Adam",
        AdamSharedState,
        path_probe("Adam", ADAM_PROBE, PROBE_SAME_SHAPE),
        SHARED.format(name="Adam", state="one m, one v and one step count t"),
    ),
    Mutant(
        "optimizer-state-shared",
        "RMSProp",
        RMSPropSharedState,
        path_probe("RMSProp", RMSPROP_PROBE, PROBE_SAME_SHAPE),
        SHARED.format(name="RMSProp", state="one running average of g**2"),
    ),
    Mutant(
        "optimizer-not-in-place",
        "SGD",
        SGDNotInPlace,
        in_place_probe("SGD", {"lr": 0.05}),
        NOT_IN_PLACE.format(name="SGD"),
    ),
    Mutant(
        "optimizer-not-in-place",
        "Adam",
        AdamNotInPlace,
        in_place_probe("Adam", ADAM_PROBE),
        NOT_IN_PLACE.format(name="Adam"),
    ),
)

HINTS = (
    "Each optimizer keeps its state in dicts keyed by the parameter's name (self.velocity = {} "
    "in __init__, then self.velocity[key] in step): two parameters must never share a "
    "velocity or a running average.",
    "Update in place: `p = params[key]; p -= lr * update` changes the caller's array; "
    "`params[key] = p - lr * update` does not. Never modify the arrays in grads: compute "
    "g = grads[key] + weight_decay * p as a new array.",
    "Follow torch.optim to the letter: SGD's first velocity is the gradient itself "
    "(v = g, then v = momentum * v + g); eps goes after the square root, sqrt(s) + eps; "
    "Adam divides m by 1 - beta1**t and v by 1 - beta2**t, with t counted per key from 1.",
)

CHECKS: list[Check] = []
for _name in CLASSES:
    CHECKS += [
        decrease_check(_name),
        per_key_check(_name),
        trajectory_check(_name),
        hidden_trajectory_check(_name),
    ]
CHECKS += checks_for(STEP_LR)

EXERCISE = Exercise(
    name="optimizers",
    title="Optimizers: SGD with momentum, RMSProp, Adagrad, Adam",
    reference="reference.optimizers",
    functions=(*CLASSES, "step_lr"),
    checks=tuple(CHECKS),
    mutants=MUTANTS,
    hints=HINTS,
)
