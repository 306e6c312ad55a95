"""Checks for `optimizers`: SGD (momentum, weight decay), RMSProp, Adagrad, Adam, step_lr.

An optimizer is an object, so it never leaves the worker: the scenario
`optimizer_trajectory` (scenarios.py) builds it there, steps it on a convex
quadratic ``f(p) = sum c/2 (p - t)^2`` whose curvature spans 1e-3 .. 10 (so
that where ``eps`` sits and Adam's bias correction both show), and sends back
the path, whether each update was in place, and whether the gradients were
left alone. The reference runs the same scenario in the grader.

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

import dataclasses
from typing import Any

import numpy as np

from grader.engine import (
    Case,
    Check,
    Context,
    Domain,
    Pick,
    Row,
    Subject,
    Verdict,
    Wrong,
    difference,
    domain,
    exercise,
    finite_floats,
    hidden_check,
    property_check,
    scenario_check,
)
from grader.engine.declaration import Exercise
from grader.exercises.optimizers.scenarios import many, optimizer_trajectory, per_key_state
from grader.result import Series

CLASSES = {"SGD": "sgd", "RMSProp": "rmsprop", "Adagrad": "adagrad", "Adam": "adam"}
TORCH_NAME = {"SGD": "SGD", "RMSProp": "RMSprop", "Adagrad": "Adagrad", "Adam": "Adam"}
RTOL, ATOL = 1e-6, 1e-10

Problem = tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]
"""(start, curvature, target) of the quadratic, one array per parameter key."""

# W1 and W2 share a shape but get different gradients: shared state shows without crashing.
SHAPES = {"W1": (2, 3), "W2": (2, 3), "b": (3,)}


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
            total += float(weight_decay / 2.0 * np.sum(p**2))
    return total


def at(path: dict[str, np.ndarray], t: int) -> dict[str, np.ndarray]:
    """The parameters after step `t + 1` of a path (per key, values after every step)."""
    return {k: values[t] for k, values in path.items()}


def show_kwargs(name: str, kwargs: dict[str, Any]) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def misbehaved(name: str, run: dict[str, Any]) -> None:
    """Raise Wrong if a learner's run broke the contract apart from its values."""
    if False in run["in_place"]:
        raise Wrong(
            f"{name}.step did not update the parameter arrays in place (from step "
            f"{run['in_place'].index(False) + 1} on, params[key] is a new array): the caller's "
            "arrays, a model's weights, never change. Update each array itself, p -= ..., "
            "instead of assigning params[key] = ..."
        )
    if not run["grads_unchanged"]:
        raise Wrong(
            f"{name}.step modified the gradient arrays it was given; it must only read grads"
        )


def same_path(name: str, expected: dict[str, Any], received: dict[str, Any]) -> None:
    """Raise Wrong at the first step after which the learner's parameters differ."""
    want, got = expected["path"], received["path"]
    if difference(want, got, RTOL, ATOL) is None:
        return  # the whole path at once; step by step only to say where it goes wrong
    steps = len(next(iter(want.values())))
    for t in range(steps):
        found = difference(at(want, t), at(got, t), RTOL, ATOL, "params")
        if found:
            raise Wrong(
                f"{name} does not follow torch.optim.{TORCH_NAME[name]}: "
                f"after step {t + 1} of {steps}, {found}"
            )


# -- input domains: hyperparameters per class, problems, key schedules -------------------

DESCENT = {  # (the descent property's; the per-key property's SGD always has momentum)
    "SGD": {
        "lr": (0.01, 0.03, 0.08),
        "momentum": (0.0, 0.5, 0.9),
        "weight_decay": (0.0, 0.01, 0.1),
    },
    "RMSProp": {"lr": (1e-3, 3e-3, 0.01), "alpha": (0.9, 0.99), "eps": (1e-8, 1e-3)},
    "Adagrad": {"lr": (0.01, 0.05, 0.1), "eps": (1e-10, 1e-3)},
    "Adam": {
        "lr": (0.003, 0.01, 0.03),
        "betas": ((0.9, 0.999), (0.8, 0.95), (0.5, 0.9)),
        "eps": (1e-8, 1e-3),
        "weight_decay": (0.0, 0.05),
    },
}
STATEFUL = {
    **DESCENT,
    "SGD": {"lr": (0.02, 0.05), "momentum": (0.5, 0.9), "weight_decay": (0.0, 0.1)},
}
HIDDEN = {
    "SGD": {
        "lr": (0.01, 0.04, 0.07),
        "momentum": (0.0, 0.3, 0.9),
        "weight_decay": (0.0, 0.02, 0.2),
    },
    "RMSProp": {"lr": (0.005, 0.02), "alpha": (0.8, 0.95), "eps": (1e-6, 1e-2)},
    "Adagrad": {"lr": (0.03, 0.2), "eps": (1e-8, 1e-2)},
    "Adam": {
        "lr": (0.02, 0.05),
        "betas": ((0.7, 0.9), (0.85, 0.99)),
        "eps": (1e-6, 1e-2),
        "weight_decay": (0.0, 0.03),
    },
}
SUBSETS = (("W1", "W2"), ("W1", "W2", "b"), ("W2", "b"), ("W1",), ("b",), ("W1", "b"))


def hyper(pick: Pick, table: dict[str, tuple[Any, ...]]) -> dict[str, Any]:
    return {key: pick.choice(values) for key, values in table.items()}


def descent(name: str) -> Domain:
    """(hyperparameters, problem seed, steps)."""
    return domain(lambda pick: (hyper(pick, DESCENT[name]), pick.seed(), pick.integers(5, 15)))


def schedules(name: str) -> Domain:
    """(hyperparameters, problem seed, keys passed at each step: some step skips a key)."""

    def build(pick: Pick) -> tuple[dict[str, Any], int, list[list[str]]]:
        kwargs, seed = hyper(pick, STATEFUL[name]), pick.seed()
        schedule = [list(pick.choice(SUBSETS)) for _ in range(pick.integers(2, 7))]
        schedule.insert(pick.integers(0, len(schedule)), list(pick.choice(SUBSETS[2:])))
        return kwargs, seed, schedule

    return domain(build)


def hidden_run(name: str, scheduled: bool) -> Domain:
    """A run on random shapes (W1 and W2 alike), with the defaults one time in five."""

    def build(pick: Pick) -> list[Any]:
        shapes = {"W1": (pick.integers(1, 3), pick.integers(1, 4)), "b1": (pick.integers(1, 5),)}
        shapes["W2"] = shapes["W1"]
        kwargs = {} if name != "SGD" and pick.integers(1, 5) == 1 else hyper(pick, HIDDEN[name])
        problem, steps = make_problem(pick.seed(), shapes), pick.integers(5, 20)
        keys = list(shapes)
        schedule = [[k for k in keys if pick.integers(1, 10) <= 7] or keys for _ in range(steps)]
        return [name, kwargs, *problem, steps, schedule if scheduled else None]

    return domain(build)


# -- the four checks of each class ---------------------------------------------------


def decrease_check(name: str) -> Check:
    """The caller's arrays move downhill on a convex quadratic, in place, grads untouched."""

    def body(ctx: Context, example: tuple[dict[str, Any], int, int]) -> None:
        kwargs, seed, steps = example
        problem = make_problem(seed)
        run = ctx.run(name, optimizer_trajectory, name, kwargs, *problem, steps)
        misbehaved(name, run)
        wd = float(kwargs.get("weight_decay", 0.0))
        before = objective(problem, problem[0], wd)
        after = objective(problem, at(run["path"], steps - 1), wd)
        if not after < before:
            raise Wrong(
                f"{name} did not decrease a convex quadratic: the objective went from "
                f"{before:.6g} to {after:.6g} in {steps} steps. Check the sign of the update "
                "(p -= lr * ..., downhill) and the scale of the step"
            )

    def describe(example: tuple[dict[str, Any], int, int]) -> str:
        kwargs, seed, steps = example
        return f"{show_kwargs(name, kwargs)}, {steps} steps from a random start (seed {seed})"

    return property_check(
        f"{CLASSES[name]}-decreases-quadratic",
        f"{name} decreases a convex quadratic, updating the caller's arrays in place",
        [name],
        descent(name).strategy,
        body,
        describe=describe,
    )


def per_key_check(name: str) -> Check:
    """Stepping the keys together equals stepping each key with an optimizer of its own."""

    def body(ctx: Context, example: tuple[dict[str, Any], int, list[list[str]]]) -> None:
        kwargs, seed, schedule = example
        run = ctx.run(name, per_key_state, name, kwargs, *make_problem(seed), schedule)
        if difference(run["alone"], run["joint"], RTOL, ATOL) is None:
            return
        for t in range(len(schedule)):
            for key, alone in run["alone"].items():
                found = difference(alone[t], run["joint"][key][t], RTOL, ATOL)
                if found:
                    raise Wrong(
                        f"stepping the keys together is not the same as stepping each key with "
                        f"an optimizer of its own: after step {t + 1}, params[{key!r}] differs "
                        f"({found}; 'expected' is the value when {key!r} is stepped alone). "
                        "The other keys' gradients, or their being skipped, leak into this "
                        "key's update: the state (velocity, averages, Adam's step count t) must "
                        "be kept per key, in dicts keyed by the parameter's name, and updated "
                        "only for the keys passed to this step"
                    )

    def describe(example: tuple[dict[str, Any], int, list[list[str]]]) -> str:
        kwargs, seed, schedule = example
        return (
            f"{show_kwargs(name, kwargs)} on keys W1 (2, 3), W2 (2, 3), b (3,) with different "
            f"gradients; keys passed to each step: {schedule} (seed {seed})"
        )

    return property_check(
        f"{CLASSES[name]}-keeps-per-key-state",
        f"{name} keeps its state separately for each parameter key",
        [name],
        schedules(name).strategy,
        body,
        describe=describe,
    )


VISIBLE_PROBLEM = make_problem(2024, {"W1": (3, 4), "W2": (3, 4), "b": (5,)})
VISIBLE_STEPS = 25
VISIBLE = {
    "SGD": ("sgd-momentum", {"lr": 0.03, "momentum": 0.8, "weight_decay": 0.05}),
    "RMSProp": ("rmsprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-3}),
    "Adagrad": ("adagrad", {"lr": 0.1, "eps": 1e-3}),
    "Adam": ("adam", {"lr": 0.01, "betas": (0.8, 0.95), "eps": 1e-3, "weight_decay": 0.1}),
}


def objective_series(run: Any) -> list[float]:
    """f at the start and after every step of a visible run (empty if the run is not one)."""
    try:
        steps = len(next(iter(run["path"].values())))
        values = [objective(VISIBLE_PROBLEM, VISIBLE_PROBLEM[0])]
        values += [objective(VISIBLE_PROBLEM, at(run["path"], t)) for t in range(steps)]
    except (TypeError, KeyError, ValueError, IndexError):
        return []
    return finite_floats(values)


def trajectory_check(name: str) -> Check:
    """A whole visible trajectory against the reference, with both objectives as a series."""
    slug, kwargs = VISIBLE[name]
    args = (name, kwargs, *VISIBLE_PROBLEM, VISIBLE_STEPS)

    def judge(ctx: Context) -> Verdict:
        expected, received = ctx.reference.scenario(optimizer_trajectory, *args), None
        plot = lambda: [  # noqa: E731
            Series(
                f"{name}: objective f(p) after each step",
                learner=objective_series(received),
                reference=objective_series(expected),
            )
        ]
        try:
            received = ctx.run(name, optimizer_trajectory, *args)
            same_path(name, expected, received)
        except Wrong as wrong:
            wrong.series = plot()
            raise
        return Verdict(True, series=plot())

    return scenario_check(
        f"{slug}-matches-torch-semantics",
        f"{name} follows torch.optim's trajectory with unusual hyperparameters",
        [name],
        judge,
        f"{show_kwargs(name, kwargs)}, {VISIBLE_STEPS} steps on f(p) = sum c/2 (p - t)^2 "
        "over keys W1 (3, 4), W2 (3, 4), b (5,), curvature c from 1e-3 to 10",
    )


def hidden_trajectory_check(name: str) -> Check:
    """Three runs on hidden problems, and a fourth with keys skipped on a hidden schedule."""

    def body(ctx: Context, runs: list[list[Any]]) -> None:
        for expected, received in zip(
            *ctx.both(name, many, "optimizer_trajectory", runs), strict=True
        ):
            misbehaved(name, received)
            same_path(name, expected, received)

    return hidden_check(
        f"{CLASSES[name]}-trajectory-hidden",
        f"{name} follows the reference on hidden problems and hyperparameters",
        [name],
        lambda rng: [hidden_run(name, i == 3).draw(rng) for i in range(4)],
        body,
    )


# -- step_lr ---------------------------------------------------------------------------


@domain
def step_lr_calls(pick: Pick) -> tuple[tuple[float, int, int], dict[str, float]]:
    args = (
        pick.choice((0.1, 1.0, 3e-4, 0.5, 0.01, 2.0)),
        pick.integers(0, 100),
        pick.integers(1, 15),
    )
    return args, ({} if pick.boolean() else {"gamma": pick.choice((0.5, 0.9, 0.25, 0.3, 0.95))})


STEP_LR = Row(
    "step_lr",
    step_lr_calls,
    special=[
        Case((0.1, 0, 3)),
        Case((0.1, 2, 3)),
        Case((0.1, 3, 3), advice="the rate drops at epoch = step_size: epoch // step_size"),
        Case((0.1, 7, 3)),
        Case((1.0, 20, 10), {"gamma": 0.5}),
    ],
    special_title="the epochs where the rate drops (epoch = k * step_size)",
)


# -- probes: a value where each family of mistakes shows --------------------------------

PROBE_PROBLEM = make_problem(7)
PROBE_SAME_SHAPE = tuple({k: part[k] for k in ("W1", "W2")} for part in make_problem(8))
PROBE_KWARGS = {
    "SGD": {"lr": 0.05, "momentum": 0.9},
    "RMSProp": {"lr": 0.05, "alpha": 0.9, "eps": 1e-3},
    "Adagrad": {"lr": 0.1, "eps": 1e-3},
    "Adam": {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-3},
}
# One step of Adam from rest where every |gradient| >= 0.5 and eps is negligible: exactly lr
# per coordinate; any other bias correction scales that first step by a constant factor.
FIRST_STEP = ({"w": np.linspace(-2.0, 2.0, 8).reshape(2, 4) + 0.25},)
FIRST_STEP += ({"w": np.ones((2, 4))}, {"w": np.zeros((2, 4))})


def path_probe(name: str, problem: Any = PROBE_PROBLEM, steps: int = 4) -> Any:
    """The values of a short run (what step left in the dict, in place or not)."""
    kwargs = PROBE_KWARGS[name]
    return lambda subject: subject.scenario(
        optimizer_trajectory, name, kwargs, *problem, steps, about=name
    )["path"]


def first_step(subject: Subject) -> Any:
    """How far Adam's first step moves each coordinate (about lr when bias-corrected)."""
    kwargs = {"lr": 0.1, "betas": (0.8, 0.95), "eps": 1e-12}
    run = subject.scenario(optimizer_trajectory, "Adam", kwargs, *FIRST_STEP, 1, about="Adam")
    return run["path"]["w"][0] - FIRST_STEP[0]["w"]


def unmoved(name: str) -> Any:
    """Whether the caller's own arrays are still where they started after a short run."""

    def probe(subject: Subject) -> bool:
        run = subject.scenario(
            optimizer_trajectory, name, PROBE_KWARGS[name], *PROBE_PROBLEM, 3, about=name
        )
        return difference(PROBE_PROBLEM[0], run["caller"], RTOL, ATOL) is None

    return probe


def independent(name: str) -> Any:
    """Whether two keys of the same shape, stepped on a schedule, follow their lone paths."""
    schedule = [["W1", "W2"], ["W2"], ["W1", "W2"], ["W1"], ["W1", "W2"]]

    def probe(subject: Subject) -> bool:
        run = subject.scenario(
            per_key_state, name, PROBE_KWARGS[name], *PROBE_SAME_SHAPE, schedule, about=name
        )
        return difference(run["alone"], run["joint"], RTOL, ATOL) is None

    return probe


PROBES = {
    "momentum-not-persisted": {"SGD": path_probe("SGD")},
    "momentum-sign": {"SGD": path_probe("SGD")},
    "adam-no-bias-correction": {"Adam": first_step},
    "eps-inside-sqrt": {name: path_probe(name) for name in ("Adam", "RMSProp", "Adagrad")},
    "adagrad-decaying-average": {"Adagrad": path_probe("Adagrad")},
    "optimizer-state-shared": {name: independent(name) for name in CLASSES},
    "optimizer-not-in-place": {name: unmoved(name) for name in CLASSES},
}


def per_function(declared: Exercise) -> Exercise:
    """Each mutant probed where its own class shows the mistake (PROBES: family -> class ->
    probe), so a learner who makes one mistake in several classes is still recognised."""
    mutants = [
        dataclasses.replace(m, probe=PROBES[m.misconception][m.replaces]) for m in declared.mutants
    ]
    return dataclasses.replace(declared, mutants=tuple(mutants))


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

EXERCISE = per_function(
    exercise(
        "Optimizers: SGD with momentum, RMSProp, Adagrad, Adam",
        [
            [
                make(name)
                for name in CLASSES
                for make in (
                    decrease_check,
                    per_key_check,
                    trajectory_check,
                    hidden_trajectory_check,
                )
            ],
            STEP_LR,
        ],
        hints=HINTS,
    )
)
