"""Optimizers: SGD (momentum, weight decay), RMSProp, Adagrad, Adam, and step_lr.

An optimizer never leaves the worker: `scenarios.optimizer_trajectory` builds
it there, steps it on a convex quadratic ``f(p) = sum c/2 (p - t)^2`` whose
curvature spans 1e-3 .. 10 (so that where ``eps`` sits and Adam's bias
correction both show) and sends back the path, whether each update was in
place and whether the gradients were left alone. Per class: the caller's
arrays go downhill (property); keys on a random schedule follow the paths they
follow alone (a metamorphic property: state per key); a visible trajectory with
unusual hyperparameters, plotted; hidden trajectories.
"""

from __future__ import annotations

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
from grader.exercises.optimizers.scenarios import many, optimizer_trajectory, per_key_state
from grader.result import Series

CLASSES = {"SGD": "sgd", "RMSProp": "rmsprop", "Adagrad": "adagrad", "Adam": "adam"}
RTOL, ATOL = 1e-6, 1e-10

# W1 and W2 share a shape but get different gradients: shared state shows without crashing.
SHAPES = {"W1": (2, 3), "W2": (2, 3), "b": (3,)}


def make_problem(seed: int, shapes: dict[str, tuple[int, ...]] = SHAPES) -> tuple[dict, ...]:
    """(start, curvature, target) per key: curvature log-uniform in [1e-3, 10], optimum and
    start ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    curvature = {
        k: np.exp(rng.uniform(np.log(1e-3), np.log(10.0), size=s)) for k, s in shapes.items()
    }
    target = {k: rng.normal(size=s) for k, s in shapes.items()}
    start = {k: target[k] + rng.normal(size=s) for k, s in shapes.items()}
    return start, curvature, target


def objective(
    problem: tuple[dict, ...], params: dict[str, Any], weight_decay: float = 0.0
) -> float:
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


def diverges(want: dict[str, Any], got: dict[str, Any]) -> str | None:
    """Where two paths (per key, the values after every step) first differ, or None."""
    if difference(want, got, RTOL, ATOL) is None:
        return None  # the whole path at once; step by step only to say where it goes wrong
    steps = len(next(iter(want.values())))
    for t in range(steps):
        found = difference(at(want, t), at(got, t), RTOL, ATOL, "params")
        if found:
            return f"after step {t + 1} of {steps}, {found}"
    return None


def same_path(name: str, expected: dict[str, Any], received: dict[str, Any]) -> None:
    found = diverges(expected["path"], received["path"])
    if found:
        torch_name = "RMSprop" if name == "RMSProp" else name
        raise Wrong(f"{name} does not follow torch.optim.{torch_name}: {found}")


# -- input domains: hyperparameters per class, problems, key schedules -------------------

DESCENT = {  # the properties' hyperparameters
    "SGD": dict(lr=(0.01, 0.03, 0.08), momentum=(0.0, 0.5, 0.9), weight_decay=(0.0, 0.01, 0.1)),
    "RMSProp": dict(lr=(1e-3, 3e-3, 0.01), alpha=(0.9, 0.99), eps=(1e-8, 1e-3)),
    "Adagrad": dict(lr=(0.01, 0.05, 0.1), eps=(1e-10, 1e-3)),
    "Adam": dict(lr=(0.003, 0.01, 0.03), eps=(1e-8, 1e-3), weight_decay=(0.0, 0.05))
    | {"betas": ((0.9, 0.999), (0.8, 0.95), (0.5, 0.9))},
}
HIDDEN = {  # the hidden runs' (the defaults too, for all but SGD)
    "SGD": dict(lr=(0.01, 0.04, 0.07), momentum=(0.0, 0.3, 0.9), weight_decay=(0.0, 0.02, 0.2)),
    "RMSProp": dict(lr=(0.005, 0.02), alpha=(0.8, 0.95), eps=(1e-6, 1e-2)),
    "Adagrad": dict(lr=(0.03, 0.2), eps=(1e-8, 1e-2)),
    "Adam": dict(lr=(0.02, 0.05), betas=((0.7, 0.9), (0.85, 0.99)), eps=(1e-6, 1e-2))
    | {"weight_decay": (0.0, 0.03)},
}
SUBSETS = (("W1", "W2"), ("W1", "W2", "b"), ("W2", "b"), ("W1",), ("b",), ("W1", "b"))


def hyper(pick: Pick, table: dict[str, tuple[Any, ...]]) -> dict[str, Any]:
    return {key: pick.choice(values) for key, values in table.items()}


def runs(name: str) -> Domain:
    """(hyperparameters, problem seed, steps, keys passed at each step: some step skips a key)."""

    def build(pick: Pick) -> tuple[dict[str, Any], int, int, list[list[str]]]:
        schedule = [list(pick.choice(SUBSETS)) for _ in range(pick.integers(2, 7))]
        schedule.insert(pick.integers(0, len(schedule)), list(pick.choice(SUBSETS[2:])))
        return hyper(pick, DESCENT[name]), pick.seed(), pick.integers(5, 15), schedule

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

    def body(ctx: Context, example: tuple[dict[str, Any], int, int, Any]) -> None:
        kwargs, seed, steps, _ = example
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

    return property_check(
        f"{CLASSES[name]}-decreases-quadratic",
        [name],
        runs(name).strategy,
        body,
        describe=lambda e: (
            f"{show_kwargs(name, e[0])}, {e[2]} steps from a random start (seed {e[1]})"
        ),
    )


def per_key_check(name: str) -> Check:
    """Stepping the keys together equals stepping each key with an optimizer of its own."""

    def body(ctx: Context, example: tuple[dict[str, Any], int, int, list[list[str]]]) -> None:
        kwargs, seed, _, schedule = example
        run = ctx.run(name, per_key_state, name, kwargs, *make_problem(seed), schedule)
        found = diverges(run["alone"], run["joint"])
        if found:
            raise Wrong(
                "stepping the keys together is not the same as stepping each key with an "
                f"optimizer of its own: {found} ('expected': the key stepped alone). The other "
                "keys' gradients, or their being skipped, leak into this key's update: the state "
                "(velocity, averages, Adam's step count t) must be kept per key, in dicts keyed "
                "by the parameter's name, and updated only for the keys passed to this step"
            )

    return property_check(
        f"{CLASSES[name]}-keeps-per-key-state",
        [name],
        runs(name).strategy,
        body,
        describe=lambda e: (
            f"{show_kwargs(name, e[0])} on keys W1 (2, 3), W2 (2, 3), b (3,) with "
            f"different gradients; keys passed to each step: {e[3]} (seed {e[1]})"
        ),
    )


VISIBLE_PROBLEM = make_problem(2024, {"W1": (3, 4), "W2": (3, 4), "b": (5,)})
VISIBLE_STEPS = 25
VISIBLE = {
    "SGD": ("sgd-momentum", {"lr": 0.03, "momentum": 0.8, "weight_decay": 0.05}),
    "RMSProp": ("rmsprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-3}),
    "Adagrad": ("adagrad", {"lr": 0.1, "eps": 1e-3}),
    "Adam": ("adam", {"lr": 0.01, "betas": (0.8, 0.95), "eps": 1e-3, "weight_decay": 0.1}),
}


def plotted(name: str, expected: Any, received: Any) -> list[Series]:
    """The objective at the start and after each step of both visible runs."""

    def values(run: Any) -> list[float]:
        try:
            path = [VISIBLE_PROBLEM[0]] + [at(run["path"], t) for t in range(VISIBLE_STEPS)]
        except (TypeError, KeyError, IndexError):
            return []  # not a run: the learner's code failed
        return finite_floats([objective(VISIBLE_PROBLEM, params) for params in path])

    title = f"{name}: objective f(p) after each step"
    return [Series(title, learner=values(received), reference=values(expected))]


def trajectory_check(name: str) -> Check:
    """A whole visible trajectory against the reference, with both objectives as a series."""
    slug, kwargs = VISIBLE[name]
    args = (name, kwargs, *VISIBLE_PROBLEM, VISIBLE_STEPS)

    def judge(ctx: Context) -> Verdict:
        expected, received = ctx.reference.scenario(optimizer_trajectory, *args), None
        try:
            received = ctx.run(name, optimizer_trajectory, *args)
            same_path(name, expected, received)
        except Wrong as wrong:
            wrong.series = plotted(name, expected, received)
            raise
        return Verdict(True, series=plotted(name, expected, received))

    return scenario_check(
        f"{slug}-matches-torch-semantics",
        [name],
        judge,
        f"{show_kwargs(name, kwargs)}, {VISIBLE_STEPS} steps on f(p) = sum c/2 (p - t)^2 "
        "over keys W1 (3, 4), W2 (3, 4), b (5,), curvature c from 1e-3 to 10",
    )


def hidden_trajectory_check(name: str) -> Check:
    """Three runs on hidden problems, and a fourth with keys skipped on a hidden schedule."""

    def body(ctx: Context, runs: list[list[Any]]) -> None:
        expected, received = ctx.both(name, many, "optimizer_trajectory", runs)
        for want, got in zip(expected, received, strict=True):
            misbehaved(name, got)
            same_path(name, want, got)

    return hidden_check(
        f"{CLASSES[name]}-trajectory-hidden",
        [name],
        lambda rng: [hidden_run(name, i == 3).draw(rng) for i in range(4)],
        body,
    )


# -- step_lr ---------------------------------------------------------------------------


@domain
def step_lr_calls(pick: Pick) -> tuple[tuple[float, int, int], dict[str, float]]:
    args = (pick.choice((0.1, 1.0, 3e-4, 0.5, 0.01, 2.0)), pick.integers(0, 99))
    gamma = {} if pick.boolean() else {"gamma": pick.choice((0.5, 0.9, 0.25, 0.3, 0.95))}
    return (*args, pick.integers(1, 14)), gamma


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
)


# -- probes: where each family of mistakes shows (on the visible configurations) ---------

PAIR = tuple({k: part[k] for k in ("W1", "W2")} for part in VISIBLE_PROBLEM)  # alike, no b
SKIPS = [["W1", "W2"], ["W2"], ["W2"], ["W1", "W2"], ["W1"]]
# Adam's first step from rest, every |gradient| >= 0.5, eps negligible: lr per coordinate;
# any other bias correction scales this first step by a constant factor (signature "factor").
REST = ({"w": np.array([[-2.0, -1.5, -1.0, -0.5], [0.5, 1.0, 1.5, 2.0]])},)
REST += ({"w": np.ones((2, 4))}, {"w": np.zeros((2, 4))})


def trajectory(name: str) -> Any:
    """A short visible run of `name`, on any subject."""
    args = (name, VISIBLE[name][1], *VISIBLE_PROBLEM, 4)
    return lambda subject: subject.scenario(optimizer_trajectory, *args, about=name)


def first_step(subject: Subject) -> np.ndarray:
    kwargs = {"lr": 0.1, "betas": (0.8, 0.95), "eps": 1e-12}
    run = subject.scenario(optimizer_trajectory, "Adam", kwargs, *REST, 1, about="Adam")
    return run["path"]["w"][0] - REST[0]["w"]


def unmoved(name: str) -> Any:
    """A probe: whether the caller's own arrays are where they started after a short run."""
    run = trajectory(name)
    return lambda subject: difference(VISIBLE_PROBLEM[0], run(subject)["caller"]) is None


def independent(name: str) -> Any:
    """A probe: whether two keys alike, stepped on a schedule, follow their lone paths."""
    args = (name, VISIBLE[name][1], *PAIR, SKIPS)

    def probe(subject: Subject) -> bool:
        run = subject.scenario(per_key_state, *args, about=name)
        return diverges(run["alone"], run["joint"]) is None

    return probe


def path_of(name: str) -> Any:
    run = trajectory(name)
    return lambda subject: run(subject)["path"]


PROBES = {  # family -> the class each member patches -> its probe
    "momentum-not-persisted": {"SGD": path_of("SGD")},
    "momentum-sign": {"SGD": path_of("SGD")},
    "adam-no-bias-correction": {"Adam": first_step},
    "eps-inside-sqrt": {name: path_of(name) for name in ("Adam", "RMSProp", "Adagrad")},
    "adagrad-decaying-average": {"Adagrad": path_of("Adagrad")},
    "optimizer-state-shared": {name: independent(name) for name in CLASSES},
    "optimizer-not-in-place": {name: unmoved(name) for name in CLASSES},
}


PER_CLASS = (decrease_check, per_key_check, trajectory_check, hidden_trajectory_check)
EXERCISE = exercise(
    "Optimizers: SGD with momentum, RMSProp, Adagrad, Adam",
    [[check(name) for name in CLASSES for check in PER_CLASS], STEP_LR],
    probes=PROBES,
)
