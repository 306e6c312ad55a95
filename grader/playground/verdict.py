"""What a run's curves say, in words: diverged, oscillating, stalled, still falling, converged.

The rules read the training loss per epoch (index 0 is before training), in
this order:

- diverged: the loss stopped being finite, or it grew past `BLOW_UP` times its
  start and never came back below its start;
- oscillating: in the second half of training the loss jumped up (by more than
  `JUMP`, 10 %) at least `JUMPS` times;
- stalled: the loss fell less than `STALL` (10 %) of its start;
- still falling: over the last fifth of the epochs it still fell more than
  `SETTLED` (5 %) of its total fall;
- converged otherwise, "in" the first epoch from which it stays within 5 % of
  its total fall above its final value.

`roughness` is the measure of a curve's noise the batch-size lesson states;
`departure` compares a learner's curve with the reference's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOW_UP = 10.0
JUMP = 0.10
JUMPS = 3
STALL = 0.10
SETTLED = 0.05
OVERFIT = 1.25
RTOL, ATOL = 1e-3, 1e-5
"""A learner's curve departs from the reference's where |a - b| > ATOL + RTOL |b|."""


@dataclass(frozen=True)
class Verdict:
    kind: str  # "diverged", "oscillating", "stalled", "still-falling", "converged"
    text: str
    epoch: int | None = None


def judge(train_loss: np.ndarray, val_loss: np.ndarray | None = None) -> Verdict:
    """The verdict on one run from its per-epoch training (and validation) loss."""
    loss = np.asarray(train_loss, dtype=np.float64)
    epochs = len(loss) - 1
    start, final = float(loss[0]), float(loss[-1])
    if not np.isfinite(final):
        return Verdict("diverged", f"diverged at epoch {epochs}: the loss became {final}", epochs)
    blown = np.flatnonzero(loss > BLOW_UP * start)
    if blown.size and float(np.min(loss[blown[0] :])) > start:
        k = int(blown[0])
        return Verdict(
            "diverged",
            f"diverged at epoch {k}: the loss grew to {loss[k]:.3g} "
            f"({loss[k] / start:.0f}x its start) and never came back",
            k,
        )
    half = loss[epochs // 2 :]
    jumps = int(np.sum(half[1:] > (1.0 + JUMP) * half[:-1] + 1e-6))
    if jumps >= JUMPS:
        return Verdict(
            "oscillating",
            f"oscillating: the loss jumped up {jumps} times in the last {len(half) - 1} epochs, "
            f"between {half.min():.3g} and {half.max():.3g}",
        )
    fall = (start - final) / start if start > 0 else 0.0
    if fall < STALL:
        moved = f"fell {fall:.0%}" if fall >= 0 else f"rose {-fall:.0%}"
        return Verdict("stalled", f"stalled: loss {moved} in {epochs} epochs")
    total = start - float(np.min(loss))
    window = max(1, epochs // 5)
    if loss[-window - 1] - final > SETTLED * total:
        return Verdict(
            "still-falling",
            f"still learning: loss fell {fall:.0%} in {epochs} epochs and was still falling "
            "(more epochs or a larger learning rate would help)",
        )
    above = np.flatnonzero(loss > final + SETTLED * (start - final))
    settled = int(above[-1]) + 1 if above.size else 0
    text = f"converged in {settled} epochs (loss {final:.3g}, {fall:.0%} below its start)"
    return Verdict("converged", text + _overfitting(val_loss), settled)


def _overfitting(val_loss: np.ndarray | None) -> str:
    if val_loss is None or not np.all(np.isfinite(val_loss)):
        return ""
    best = int(np.argmin(val_loss))
    if best < len(val_loss) - 1 and val_loss[-1] > OVERFIT * val_loss[best]:
        rise = val_loss[-1] / val_loss[best] - 1.0
        return (
            f"; validation loss was lowest at epoch {best} and rose {rise:.0%} since "
            "(overfitting)"
        )
    return ""


def roughness(curve: np.ndarray) -> float:
    """Noise of a curve: mean |change between consecutive points| / mean value (finite points)."""
    values = np.asarray(curve, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) < 2 or np.mean(values) == 0:
        return 0.0
    return float(np.mean(np.abs(np.diff(values))) / np.mean(values))


@dataclass(frozen=True)
class Departure:
    epoch: int | None  # None: the curves agree
    text: str
    largest: float


def departure(learner: np.ndarray, reference: np.ndarray) -> Departure:
    """Where the learner's per-epoch loss first leaves the reference's (same seed, same data)."""
    a, b = np.asarray(learner, np.float64), np.asarray(reference, np.float64)
    n = min(len(a), len(b))
    x, y = a[:n], b[:n]
    with np.errstate(invalid="ignore", over="ignore"):
        equal = (x == y) | (np.isnan(x) & np.isnan(y))
        gap = np.where(equal, 0.0, np.abs(x - y))
        same = equal | (gap <= ATOL + RTOL * np.abs(y))
    off = np.flatnonzero(~same)
    if not off.size and len(a) != len(b):
        off = np.array([n])
    if not off.size:
        largest = float(np.max(gap)) if n else 0.0
        return Departure(None, f"matches the reference's curve (largest gap {largest:.1e})", largest)
    k = int(off[0])
    mine = f"{a[k]:.4g}" if k < len(a) else "(stopped)"
    theirs = f"{b[k]:.4g}" if k < len(b) else "(stopped)"
    largest = float(np.nanmax(gap)) if n else float("inf")
    return Departure(
        k,
        f"departs from the reference's curve at epoch {k}: loss {mine}, reference {theirs}",
        largest,
    )
