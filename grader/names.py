"""One set of names for every command: exercises and quiz topics.

A learner may type `gradient-descent`, `gradient_descent` or
`gradient_descent.py`; all name the same exercise. Quiz topic ids are fixed by
the quiz contract (`neurons`, `loss`, `gradient-descent`, ...) and stay the
canonical ids, but the name of the matching exercise is accepted too
(`neuron` -> `neurons`, `losses` -> `loss`). An unknown name is a usage error
that suggests the closest known names.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

import click

# Exercise name -> the quiz topic on the same subject, where their spellings differ.
TOPIC_OF_EXERCISE: Mapping[str, str] = {
    "neuron": "neurons",
    "losses": "loss",
    "training_loop": "pytorch",
}


class UnknownName(click.UsageError):
    """A name that matches no exercise (or topic): says which ones come close."""


def key(name: str) -> str:
    """The spelling-free form of a name: no `.py`, `-` read as `_`, any case."""
    name = name.strip()
    if name.endswith(".py"):
        name = name[: -len(".py")]
    return name.replace("-", "_").lower()


def _resolve(name: str, known: Iterable[str], aliases: Mapping[str, str], what: str) -> str:
    choices = list(known)
    by_key = {key(choice): choice for choice in choices}
    for alias, target in aliases.items():
        if target in choices:
            by_key.setdefault(key(alias), target)
    found = by_key.get(key(name))
    if found is not None:
        return found
    close = difflib.get_close_matches(key(name), list(by_key), n=3, cutoff=0.6)
    suggestion = list(dict.fromkeys(by_key[c] for c in close))
    listing = f"the {what}s are: {', '.join(choices)}"
    if suggestion:
        guess = " or ".join(repr(s) for s in suggestion)
        raise UnknownName(f"unknown {what} {name!r}; did you mean {guess}? ({listing})")
    raise UnknownName(f"unknown {what} {name!r}; {listing}")


def exercise(name: str, known: Iterable[str]) -> str:
    """The exercise `name` stands for, among `known` (UnknownName if none)."""
    return _resolve(name, known, {}, "exercise")


def exercises(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """Each name resolved, duplicates dropped, in the order given."""
    known = list(known)
    return list(dict.fromkeys(exercise(name, known) for name in names))


def topic(name: str, known: Iterable[str]) -> str:
    """The quiz topic id `name` stands for: a topic id, or the name of its exercise."""
    return _resolve(name, known, TOPIC_OF_EXERCISE, "topic")


def function(name: str, known: Iterable[str]) -> str:
    """The exercise's function `name` stands for (`sgd` -> `SGD`)."""
    return _resolve(name, known, {}, "function")


def owner(check_id: str, uses: Sequence[str]) -> str:
    """The function a check is about: of the functions it uses, the one its id starts like.

    `backward-hidden` uses forward and backward and is about backward;
    `fit-loss-history` uses fit_linear_regression and minibatches and is about
    the first.
    """
    if not uses:
        return check_id
    flat_id = check_id.replace("-", "").replace("_", "").lower()

    def shared(name: str) -> int:
        flat = name.replace("_", "").lower()
        return next(
            (i for i in range(min(len(flat), len(flat_id)), 0, -1) if flat[:i] == flat_id[:i]), 0
        )

    return max(uses, key=shared)
