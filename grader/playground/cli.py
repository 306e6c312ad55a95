"""`neurograde playground`: the command, its options and where its report goes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader.playground.data import DATASETS
from grader.playground.mlp import ACTIVATIONS, OPTIMIZERS
from grader.playground.presets import PRESETS
from grader.playground.sweep import DEFAULTS, MAX_RUNS, Setup

MAX_UPDATES = 3_000_000
"""Refuse sweeps that would take more optimizer steps than this in all (minutes of work)."""


def _items(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(kind: Callable[[str], Any], low: float, high: float) -> Callable[[str], Any]:
    def parse(item: str) -> Any:
        value = kind(item)
        if not low <= value <= high:
            raise ValueError(f"{item} is outside [{low:g}, {high:g}]")
        return value

    return parse


def _batch(item: str) -> int | None:
    if item.lower() in ("full", "all", "n", "batch"):
        return None
    value = int(item)
    if value < 1:
        raise ValueError("a batch holds at least 1 sample")
    return value


def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(item: str) -> str:
        if item not in options:
            raise ValueError(f"{item!r} is not one of {', '.join(options)}")
        return item

    return parse


PARSERS: dict[str, Callable[[str], Any]] = {
    "lr": _number(float, 1e-12, 1e4),
    "depth": _number(int, 0, 10),
    "width": _number(int, 1, 512),
    "batch_size": _batch,
    "optimizer": _choice(OPTIMIZERS),
    "activation": _choice(ACTIVATIONS),
}


def parse_list(name: str, text: str) -> list[Any]:
    """``"0.001,0.1,5"`` -> ``[0.001, 0.1, 5.0]``, checked; BadParameter names the bad item."""
    try:
        values = [PARSERS[name](item) for item in _items(text)]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=f"--{name.replace('_', '-')}") from None
    if not values:
        raise click.BadParameter("give at least one value", param_hint=f"--{name}")
    return values


@click.command("playground")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), help="Replay a lesson of the notes.")
@click.option("--dataset", type=click.Choice(DATASETS), help="2-D data set (default moons).")
@click.option("--samples", type=click.IntRange(20, 5000), help="Points in all (default 300).")
@click.option("--noise", type=click.FloatRange(0.0, 2.0), help="Noise of the data set.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of data and weights.")
@click.option("--lr", help="Learning rate(s), e.g. 0.001,0.1,5.")
@click.option("--depth", help="Hidden layers, e.g. 0,1,2.")
@click.option("--width", help="Units per hidden layer, e.g. 4,16.")
@click.option("--batch-size", "batch_size", help="Batch size(s): 1, 32, full.")
@click.option("--optimizer", help=f"One or more of {', '.join(OPTIMIZERS)}.")
@click.option("--activation", help=f"One or more of {', '.join(ACTIVATIONS)}.")
@click.option("--epochs", type=click.IntRange(1, 5000), help="Epochs (default 200).")
@click.option("--l2", type=click.FloatRange(0.0, 10.0), help="L2 penalty on the weights.")
@click.option("--dropout", type=click.FloatRange(0.0, 0.9), help="Dropout on hidden units.")
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Use your activations, losses and optimizers from this workspace.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a page: play.html (plots) or play.json.",
)
def playground(**options: Any) -> None:
    """Train small networks on 2-D data and watch learning rate, depth and batch size at work.

    Any of --lr, --depth, --width, --batch-size, --optimizer and --activation may
    be a list; every combination runs, side by side:

        neurograde playground --preset learning-rate

        neurograde playground --dataset spiral --depth 0,1,3 --output play.html
    """
    setup = build_setup(options)
    from grader.playground.sweep import play

    session = play(setup)
    output: Path | None = options["output"]
    if options["fmt"] == "json":
        from grader.playground.report import as_dict

        click.echo(json.dumps(as_dict(session), indent=1))
    else:
        from grader.playground.terminal import render

        click.echo(render(session, shutil.get_terminal_size((100, 24)).columns), nl=False)
    if output is not None:
        write_output(session, output)
        if options["fmt"] == "text":
            click.echo(f"wrote {output}")


def build_setup(options: dict[str, Any]) -> Setup:
    """The preset's values, then the options given on the command line."""
    preset = PRESETS[options["preset"]] if options["preset"] else None
    settings = dict(DEFAULTS)
    settings.update(preset.settings if preset else {})
    for name in PARSERS:
        if options[name] is not None:
            settings[name] = parse_list(name, options[name])
    for name in ("epochs", "l2", "dropout"):
        if options[name] is not None:
            settings[name] = options[name]
    dataset = options["dataset"] or (preset.dataset if preset else "moons")
    samples = options["samples"] or (preset.samples if preset else 300)
    output = options["output"]
    if output is not None and output.suffix.lower() not in (".html", ".htm", ".json"):
        raise click.BadParameter("write a .html page or a .json file", param_hint="--output")
    setup = Setup(dataset, samples, options["noise"], options["seed"], settings, preset,
                  options["workspace"])
    updates = 0
    train_n = samples - round(samples * 0.3)
    for batch in settings["batch_size"]:
        per_epoch = -(-train_n // (batch or train_n))
        updates += per_epoch * settings["epochs"]
    runs = 1
    for name in PARSERS:
        runs *= len(settings[name])
    if runs > MAX_RUNS:
        raise click.UsageError(f"that sweep makes {runs} runs; give at most {MAX_RUNS}")
    if updates * runs / len(settings["batch_size"]) > MAX_UPDATES:
        raise click.UsageError(
            f"that sweep takes more than {MAX_UPDATES:,} optimizer steps; use fewer epochs, "
            "larger batches or fewer values"
        )
    return setup


def write_output(session: Any, output: Path) -> None:
    if output.suffix.lower() == ".json":
        from grader.playground.report import as_dict

        output.write_text(json.dumps(as_dict(session), indent=1), encoding="utf-8")
        return
    from grader.playground.page import render_page

    output.write_text(render_page(session), encoding="utf-8")
