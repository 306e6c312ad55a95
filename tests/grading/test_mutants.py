"""Mutants as patches: mutants.toml is read strictly, a patch applies exactly once, and the
family signatures recognise the relations they name (and nothing else)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.engine.mutants import MutantError, bears, load

SOLUTION = '''\
import numpy as np


def scale(x, k=2.0):
    """x times k."""
    return k * x


class Counter:
    def __init__(self):
        self.t = 0

    def step(self):
        self.t += 1
        return self.t
'''


def write(folder: Path, toml: str) -> Path:
    (folder / "solution.py").write_text(SOLUTION, "utf-8")
    (folder / "mutants.toml").write_text(toml, "utf-8")
    return folder / "solution.py"


FAMILY = '[family.scale-wrong]\nexplanation = "scale multiplies by k"\n'
PROBES = {"scale-wrong": lambda subject: subject.call("scale", 3.0)}


def test_a_patch_edits_only_its_function_and_numbers_its_family(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        FAMILY
        + '[[mutant]]\nfamily = "scale-wrong"\nfunction = "scale"\nfind = "k * x"\nreplace = "x"\n'
        + '[[mutant]]\nfamily = "scale-wrong"\nfunction = "Counter.step"\n'
        + 'edits = [["self.t += 1", "self.t += 2"], ["return self.t", "return self.t - 1"]]\n',
    )
    first, second = load(tmp_path, source, PROBES)
    assert (first.id, second.id) == ("scale-wrong#1", "scale-wrong#2")
    assert first.module().scale(np.array([3.0])) == 3.0
    counter = second.module().Counter()
    assert counter.step() == 1 and counter.step() == 3
    assert "k * x" in second.text()  # the other function is untouched


@pytest.mark.parametrize(
    ("mutant", "complaint"),
    [
        ('function = "scale"\nfind = "self.t"\nreplace = "t"', "occurs 0 times in scale"),
        ('function = "Counter"\nfind = "self.t"\nreplace = "t"', "occurs 3 times in Counter"),
        ('function = "shift"\nfind = "x"\nreplace = "y"', "no definition of shift"),
        ('function = "scale"\nfind = "k * x"\nreplace = "k * (x"', "does not compile"),
        ('function = "scale"', "needs find"),
        ('function = "scale"\nedits = [["k * x"]]', "edits = "),
    ],
)
def test_a_patch_that_does_not_apply_is_named(tmp_path: Path, mutant: str, complaint: str) -> None:
    source = write(tmp_path, FAMILY + f'[[mutant]]\nfamily = "scale-wrong"\n{mutant}\n')
    with pytest.raises(MutantError, match=complaint) as raised:
        load(tmp_path, source, PROBES)
    assert str(raised.value).startswith(f"{tmp_path / 'mutants.toml'}: mutant 1")


def test_families_and_probes_must_match(tmp_path: Path) -> None:
    source = write(tmp_path, '[[mutant]]\nfamily = "nope"\nfunction = "scale"\nfind = "k"\n')
    with pytest.raises(MutantError, match=r"\[family.nope\]"):
        load(tmp_path, source)
    write(tmp_path, FAMILY + '[family.scale-wrong]\nexplanation = "twice"\n')
    with pytest.raises(MutantError, match=r"mutants\.toml"):
        load(tmp_path, source)
    write(tmp_path, FAMILY)
    with pytest.raises(MutantError, match="probes for families it does not declare: other"):
        load(tmp_path, source, {"other": lambda subject: None})
    write(
        tmp_path,
        '[family.scale-wrong]\nexplanation = "x"\nsignature = "twice"\n'
        '[[mutant]]\nfamily = "scale-wrong"\nfunction = "scale"\nfind = "k"\nreplace = "2"\n',
    )
    with pytest.raises(MutantError, match="signature 'twice' is not one of"):
        load(tmp_path, source)


def test_every_family_needs_a_probe(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        FAMILY + '[[mutant]]\nfamily = "scale-wrong"\nfunction = "scale"\nfind = "k * x"\n',
    )
    with pytest.raises(MutantError, match=r"no probe .* for scale-wrong \(scale\)"):
        load(tmp_path, source)
    with pytest.raises(MutantError, match=r"no probe .* for scale-wrong \(scale\)"):
        load(tmp_path, source, {"scale-wrong": {"Counter": PROBES["scale-wrong"]}})


def test_no_mutants_file_no_mutants(tmp_path: Path) -> None:
    assert load(tmp_path, tmp_path / "solution.py") == ()


E = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])


@pytest.mark.parametrize(
    ("signature", "received"),
    [
        ("factor", 2 * E),
        ("factor", E / 6),
        ("sign", -E),
        ("transpose", E.T),
        ("axis-sum", E.sum(axis=0)),
        ("axis-sum", E.mean(axis=1)),
        ("axis-sum", np.asarray(E.sum())),
        ("shifted", np.array([0.0, 1.0, 2.0, 3.0])),
    ],
)
def test_each_signature_recognises_its_relation(signature: str, received: np.ndarray) -> None:
    expected = np.array([1.0, 2.0, 3.0, 4.0]) if signature == "shifted" else E
    assert bears(signature, expected, received)
    assert not bears(signature, expected, expected)  # the right answer bears no mistake
    assert not bears(signature, expected, received + np.pi)  # nor does another wrong one


def test_a_flipped_sign_is_not_a_factor() -> None:
    assert bears("sign", E, -E) and not bears("factor", E, -E)


def test_signatures_hold_leaf_by_leaf() -> None:
    expected = {"dW": E, "db": np.array([1.0, 2.0]), "loss": 0.5}
    assert bears("factor", expected, {"dW": 3 * E, "db": np.array([1.0, 2.0]), "loss": 0.5})
    assert bears("factor", expected, {"dW": 3 * E, "db": np.array([3.0, 6.0]), "loss": 0.5})
    assert not bears("factor", expected, {"dW": 3 * E, "db": np.array([1.0, 2.0]), "loss": 0.7})
    assert not bears("factor", expected, {"dW": 3 * E, "db": np.array([2.0, 4.0]), "loss": 0.5})
    assert not bears("sign", (E, E), (-E,))
